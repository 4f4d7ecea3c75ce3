package heap.api.vmo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.Vmos;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class VmoObjectModelTest {
    private final AtomicInteger releases = new AtomicInteger();

    private Vmo root(long size) {
        return Vmos.root(Arena.ofAuto().allocate(size), releases::incrementAndGet);
    }

    private static void assertStatus(Status expected, Executable executable) {
        StatusException e = assertThrows(StatusException.class, executable);
        assertEquals(expected, e.status(), e.getMessage());
    }

    @Test
    void rootHasOfficialSizeAndProcessUniqueKoid() {
        try (Vmo a = root(8192); Vmo b = root(4096)) {
            assertEquals(8192, a.size());
            assertNotEquals(a.koid(), b.koid());
            assertEquals(0, a.parentKoid());
            assertEquals(EnumSet.allOf(VmoRight.class), a.rights());
        }
    }

    @Test
    void anAttachmentIsSharedByDuplicatesNotChildrenAndReadOnlyWithItsKey() {
        Object key = new Object();
        try (Vmo vmo = root(4096); Vmo child = vmo.createReference()) {
            Vmos.attach(child, key, "record");
            try (Vmo dup = child.duplicate(); Vmo grandchild = child.createReference()) {
                assertEquals("record", Vmos.attachment(dup, key), "a duplicate is the same object");
                assertEquals(null, Vmos.attachment(grandchild, key), "a child is another object");
                assertEquals(null, Vmos.attachment(child, new Object()), "another key reads nothing");
                assertEquals(null, Vmos.attachment(vmo, key));
                assertEquals(null, Vmos.attachment(null, key));
            }
        }
    }

    @Test
    void aSoleHandleHasNoOtherHandleMappingOrChild() {
        try (Vmo vmo = root(4096)) {
            assertTrue(Vmos.soleHandle(vmo));
            try (Vmo dup = vmo.duplicate()) {
                assertFalse(Vmos.soleHandle(vmo), "a duplicate is a second handle");
            }
            try (VmoMapping mapping = vmo.map(0, 4096, false)) {
                assertFalse(Vmos.soleHandle(vmo), "a mapping");
            }
            try (Vmo child = vmo.createSlice(0, 4096)) {
                assertFalse(Vmos.soleHandle(vmo), "a child");
            }
            assertTrue(Vmos.soleHandle(vmo));
        }
    }

    /** What the registry does with a heap's VMO, in one step: sole-handle check, ZERO_CHILDREN listener, first child. */
    @Test
    void aFirstReferenceIsMadeOnlyOfASoleHandleAndCarriesTheListenerAndAttachment() {
        Object key = new Object();
        AtomicInteger zeroChildren = new AtomicInteger();
        heap.api.spi.VmoOwner owner = Vmos.owner("client");
        try (Vmo vmo = root(4096)) {
            try (Vmo dup = vmo.duplicate()) {
                assertEquals(null, Vmos.firstReference(vmo, zeroChildren::incrementAndGet, owner, key, "record"));
            }
            try (VmoMapping mapping = vmo.map(0, 4096, false)) {
                assertEquals(null, Vmos.firstReference(vmo, zeroChildren::incrementAndGet, owner, key, "record"));
            }
            try (Vmo child = vmo.createSlice(0, 4096)) {
                assertEquals(null, Vmos.firstReference(vmo, zeroChildren::incrementAndGet, owner, key, "record"));
            }
            assertEquals(0, zeroChildren.get(), "a refused first reference registered no listener");
            Vmo first = Vmos.firstReference(vmo, zeroChildren::incrementAndGet, owner, key, "record");
            assertEquals(vmo.koid(), first.parentKoid());
            assertEquals(vmo.rights(), first.rights());
            assertTrue(owner.owns(first));
            assertEquals("record", Vmos.attachment(first, key));
            assertEquals(null, Vmos.attachment(vmo, key), "the attachment is the child's");
            assertEquals(null, Vmos.firstReference(vmo, zeroChildren::incrementAndGet, owner, key, "record"),
                    "the child makes it no longer the first");
            first.close();
            assertEquals(1, zeroChildren.get());
        }
        assertEquals(1, releases.get());
    }

    @Test
    void aRefusedFirstReferenceNamesWhatWasWrongAndChangesNothing() {
        Object key = new Object();
        Runnable listener = () -> { };
        heap.api.spi.VmoOwner released = Vmos.owner("stopped");
        released.release();
        AtomicInteger zeroChildren = new AtomicInteger();
        try (Vmo vmo = root(4096)) {
            assertStatus(Status.INVALID_ARGS, () -> Vmos.firstReference(null, listener, null, key, "x"));
            assertStatus(Status.INVALID_ARGS, () -> Vmos.firstReference(vmo, null, null, key, "x"));
            assertStatus(Status.INVALID_ARGS, () -> Vmos.firstReference(vmo, listener, null, null, "x"));
            assertStatus(Status.INVALID_ARGS, () -> Vmos.firstReference(vmo, listener, null, key, null));
            try (Vmo readOnly = vmo.duplicate(EnumSet.of(VmoRight.READ, VmoRight.MAP))) {
                assertStatus(Status.ACCESS_DENIED, () -> Vmos.firstReference(readOnly, listener, null, key, "x"));
            }
            Vmo closed = vmo.duplicate();
            closed.close();
            assertStatus(Status.BAD_HANDLE, () -> Vmos.firstReference(closed, listener, null, key, "x"));
            assertTrue(Vmos.soleHandle(vmo), "nothing was made by a refused call");
            assertStatus(Status.BAD_STATE,
                    () -> Vmos.firstReference(vmo, zeroChildren::incrementAndGet, released, key, "x"));
            assertEquals(1, zeroChildren.get(), "the child made for a released owner was closed again");
            assertTrue(Vmos.soleHandle(vmo));
        }
        assertEquals(1, releases.get());
    }

    @Test
    void anObjectTakesOneAttachmentAndARefusedOneChangesNothing() {
        Object key = new Object();
        try (Vmo vmo = root(4096)) {
            Vmos.attach(vmo, key, "first");
            assertStatus(Status.BAD_STATE, () -> Vmos.attach(vmo, key, "second"));
            assertStatus(Status.BAD_STATE, () -> Vmos.attach(vmo, new Object(), "other"));
            assertEquals("first", Vmos.attachment(vmo, key));
            assertStatus(Status.INVALID_ARGS, () -> Vmos.attach(vmo, null, "x"));
            assertStatus(Status.INVALID_ARGS, () -> Vmos.attach(vmo, key, null));
            assertStatus(Status.INVALID_ARGS, () -> Vmos.attach(null, key, "x"));
        }
        Vmo foreign = (Vmo) java.lang.reflect.Proxy.newProxyInstance(Vmo.class.getClassLoader(),
                new Class<?>[] {Vmo.class}, (proxy, method, args) -> method.getName().equals("toString") ? "foreign" : null);
        assertStatus(Status.INVALID_ARGS, () -> Vmos.attach(foreign, key, "x"));
        assertEquals(null, Vmos.attachment(foreign, key));
    }

    @Test
    void aChildOfANewRootCanCarryItsAttachmentFromTheStart() {
        Object key = new Object();
        MemorySegment memory = Arena.ofAuto().allocate(4096);
        Runnable release = releases::incrementAndGet;
        try (Vmo child = Vmos.childOfNewRoot(memory, OptionalLong.empty(), release, key, "record")) {
            assertEquals("record", Vmos.attachment(child, key));
            assertEquals(null, Vmos.attachment(child, new Object()));
            assertStatus(Status.BAD_STATE, () -> Vmos.attach(child, key, "second"));
        }
        assertEquals(1, releases.get());
        assertStatus(Status.INVALID_ARGS, () -> Vmos.childOfNewRoot(memory, OptionalLong.empty(), release, null, "x"));
        assertStatus(Status.INVALID_ARGS, () -> Vmos.childOfNewRoot(memory, OptionalLong.empty(), release, key, null));
        assertStatus(Status.INVALID_ARGS,
                () -> Vmos.inaccessibleChildOfNewRoot(4096, OptionalLong.empty(), release, key, null));
        try (Vmo secure = Vmos.inaccessibleChildOfNewRoot(4096, OptionalLong.of(0x1000), release, key, "secure")) {
            assertEquals("secure", Vmos.attachment(secure, key));
        }
        assertEquals(2, releases.get());
    }

    @Test
    void aChildOfANewRootIsAllThatKeepsTheRootAndItsReleaseRunsWithTheLastChild() {
        Vmo child = Vmos.childOfNewRoot(Arena.ofAuto().allocate(8192), OptionalLong.of(0x1000), releases::incrementAndGet);
        assertNotEquals(0, child.parentKoid(), "a child, as a heap returns");
        Vmo other = Vmos.childOfNewRoot(Arena.ofAuto().allocate(4096), OptionalLong.empty(), releases::incrementAndGet);
        assertEquals(4, java.util.stream.LongStream.of(child.koid(), child.parentKoid(), other.koid(),
                other.parentKoid()).distinct().count(), "every root and child has a koid of its own");
        other.close();
        assertEquals(1, releases.get(), "a child alone keeps its root");
        releases.set(0);
        assertEquals(8192, child.size());
        assertEquals(OptionalLong.of(0x1000), child.physicalAddress());
        assertEquals(EnumSet.allOf(VmoRight.class), child.rights());
        Vmo grandchild = child.createSlice(4096, 4096);
        boolean[] zeroChildren = new boolean[1];
        child.onZeroChildren(() -> zeroChildren[0] = true);
        VmoMapping mapping = grandchild.map(0, 4096, true);
        child.close();
        grandchild.close();
        assertFalse(zeroChildren[0], "the slice lives while it is mapped");
        assertEquals(0, releases.get(), "the slice's open mapping still reaches the root's memory");
        mapping.close();
        assertTrue(zeroChildren[0], "ZERO_CHILDREN on the heap's child once the slice is gone");
        assertEquals(1, releases.get());
        Vmo inaccessible = Vmos.inaccessibleChildOfNewRoot(4096, OptionalLong.empty(), releases::incrementAndGet);
        assertTrue(inaccessible.isInaccessible());
        assertStatus(Status.ACCESS_DENIED, () -> inaccessible.map(0, 4096, false));
        inaccessible.close();
        assertEquals(2, releases.get());
    }

    @Test
    void duplicateSharesTheObjectAndKeepsItAlive() {
        Vmo vmo = root(4096);
        Vmo dup = vmo.duplicate();
        assertEquals(vmo.koid(), dup.koid());
        vmo.close();
        assertEquals(0, releases.get(), "a duplicate still refers to the object");
        dup.write(0, MemorySegment.ofArray(new byte[] {7}));
        dup.close();
        assertEquals(1, releases.get());
    }

    @Test
    void handleAndMappingCountsFollowOpenAndClose() {
        try (Vmo vmo = root(4096)) {
            assertEquals(1, vmo.handleCount());
            Vmo dup = vmo.duplicate();
            assertEquals(2, vmo.handleCount());
            VmoMapping mapping = vmo.map(0, 16, false);
            assertEquals(1, vmo.mappingCount());
            vmo.read(0, MemorySegment.ofArray(new byte[4]));
            assertEquals(1, vmo.mappingCount(), "a read pins the object but is no mapping");
            mapping.close();
            dup.close();
            assertEquals(1, vmo.handleCount());
            assertEquals(0, vmo.mappingCount());
        }
    }

    @Test
    void anObjectHoldsAtMost65535MappingsAndTheOneAboveIsRefusedChangingNothing() {
        java.util.List<VmoMapping> mappings = new java.util.ArrayList<>();
        try (Vmo vmo = root(4096)) {
            for (int i = 0; i < 65_535; i++) {
                mappings.add(vmo.map(0, 16, false));
            }
            StatusException refused = assertThrows(StatusException.class, () -> vmo.map(0, 16, false));
            assertEquals(Status.NO_MEMORY, refused.status());
            assertTrue(refused.getMessage().contains("has 65535 mappings open"), refused.getMessage());
            assertEquals(65_535, vmo.mappingCount(), "the refused mapping counts nowhere");
            mappings.removeLast().close();
            mappings.add(vmo.map(0, 16, false)); // a closed one made room
            mappings.forEach(VmoMapping::close);
            assertEquals(0, vmo.mappingCount());
        }
        assertEquals(1, releases.get(), "released once, with its last mapping and handle");
    }

    @Test
    void closeIsIdempotentAndReleasesOnce() {
        Vmo vmo = root(4096);
        vmo.close();
        vmo.close();
        assertTrue(vmo.isClosed());
        assertEquals(1, releases.get());
    }

    @Test
    void everyOperationOnAClosedHandleFailsWithBadHandle() {
        Vmo vmo = root(4096);
        Vmo keep = vmo.duplicate();
        vmo.close();
        MemorySegment buffer = MemorySegment.ofArray(new byte[1]);
        assertStatus(Status.BAD_HANDLE, vmo::duplicate);
        assertStatus(Status.BAD_HANDLE, () -> vmo.createSlice(0, 1));
        assertStatus(Status.BAD_HANDLE, vmo::createReference);
        assertStatus(Status.BAD_HANDLE, () -> vmo.map(0, 1, false));
        assertStatus(Status.BAD_HANDLE, () -> vmo.read(0, buffer));
        assertStatus(Status.BAD_HANDLE, () -> vmo.write(0, buffer));
        assertStatus(Status.BAD_HANDLE, () -> vmo.zero(0, 1));
        assertStatus(Status.BAD_HANDLE, () -> vmo.onZeroChildren(() -> { }));
        keep.close();
    }

    @Test
    void rightsCanOnlyBeReduced() {
        try (Vmo vmo = root(4096); Vmo readOnly = vmo.duplicate(EnumSet.of(VmoRight.READ, VmoRight.DUPLICATE))) {
            assertEquals(EnumSet.of(VmoRight.READ, VmoRight.DUPLICATE), readOnly.rights());
            StatusException escalation = assertThrows(StatusException.class,
                    () -> readOnly.duplicate(EnumSet.of(VmoRight.READ, VmoRight.WRITE)));
            assertEquals(Status.ACCESS_DENIED, escalation.status());
            assertTrue(escalation.getMessage().contains("WRITE"), escalation.getMessage());
            assertStatus(Status.ACCESS_DENIED, () -> readOnly.write(0, MemorySegment.ofArray(new byte[1])));
            assertStatus(Status.ACCESS_DENIED, () -> readOnly.map(0, 1, false));
            try (Vmo slice = readOnly.createSlice(0, 16)) {
                assertEquals(readOnly.rights(), slice.rights(), "a child keeps the rights of the handle it came from");
            }
            try (Vmo noDuplicate = vmo.duplicate(EnumSet.of(VmoRight.READ))) {
                assertStatus(Status.ACCESS_DENIED, noDuplicate::duplicate);
                assertStatus(Status.ACCESS_DENIED, noDuplicate::createReference);
            }
            try (Vmo mapNoWrite = vmo.duplicate(EnumSet.of(VmoRight.READ, VmoRight.MAP))) {
                assertStatus(Status.ACCESS_DENIED, () -> mapNoWrite.map(0, 1, true));
                mapNoWrite.map(0, 1, false).close();
            }
        }
    }

    @Test
    void sliceSharesThePagesOfItsRange() {
        try (Vmo parent = root(3 * 4096); Vmo slice = parent.createSlice(4096, 4096)) {
            assertEquals(4096, slice.size());
            assertEquals(parent.koid(), slice.parentKoid());
            slice.write(10, MemorySegment.ofArray(new byte[] {42}));
            byte[] seen = new byte[1];
            parent.read(4096 + 10, MemorySegment.ofArray(seen));
            assertEquals(42, seen[0]);
        }
    }

    @Test
    void sliceRangeIsCheckedIncludingOverflow() {
        try (Vmo parent = root(8192)) {
            assertStatus(Status.OUT_OF_RANGE, () -> parent.createSlice(4096, 8192));
            assertStatus(Status.OUT_OF_RANGE, () -> parent.createSlice(8193, 0));
            assertStatus(Status.OUT_OF_RANGE, () -> parent.createSlice(-1, 1));
            assertStatus(Status.OUT_OF_RANGE, () -> parent.createSlice(1, -1));
            assertStatus(Status.OUT_OF_RANGE, () -> parent.createSlice(Long.MAX_VALUE, 2));
            assertEquals(0, parent.childCount(), "a rejected slice leaves no child behind");
        }
        assertEquals(1, releases.get());
    }

    @Test
    void referenceCoversTheWholeParent() {
        try (Vmo parent = root(8192); Vmo reference = parent.createReference()) {
            assertEquals(8192, reference.size());
            parent.write(8191, MemorySegment.ofArray(new byte[] {5}));
            byte[] seen = new byte[1];
            reference.read(8191, MemorySegment.ofArray(seen));
            assertEquals(5, seen[0]);
        }
    }

    @Test
    void zeroChildrenFiresExactlyOncePerTransition() {
        try (Vmo parent = root(4096)) {
            AtomicInteger signals = new AtomicInteger();
            parent.onZeroChildren(signals::incrementAndGet);
            Vmo first = parent.createReference();
            Vmo second = parent.createSlice(0, 100);
            first.close();
            assertEquals(0, signals.get(), "one child is left");
            second.close();
            second.close();
            assertEquals(1, signals.get());
            parent.createReference().close();
            assertEquals(2, signals.get(), "a new transition to zero signals again");
        }
    }

    @Test
    void zeroChildrenListenerCanBeRemoved() {
        try (Vmo parent = root(4096)) {
            AtomicInteger signals = new AtomicInteger();
            Registration registration = parent.onZeroChildren(signals::incrementAndGet);
            registration.close();
            parent.createReference().close();
            assertEquals(0, signals.get());
        }
    }

    @Test
    void severalListenersAndAFutureAllFireAndAnyListenerCanBeRemovedOnceOrTwice() throws Exception {
        try (Vmo parent = root(4096)) {
            java.util.List<String> fired = new java.util.concurrent.CopyOnWriteArrayList<>();
            Registration first = parent.onZeroChildren(() -> fired.add("first"));
            Registration second = parent.onZeroChildren(() -> fired.add("second"));
            parent.onZeroChildren(() -> fired.add("third"));
            Vmo child = parent.createReference();
            CompletableFuture<Void> done = parent.whenZeroChildren().toCompletableFuture();
            child.close();
            done.get(1, TimeUnit.SECONDS);
            assertEquals(java.util.List.of("first", "second", "third"), fired);
            first.close();
            first.close(); // twice: nothing more happens
            fired.clear();
            parent.createReference().close();
            assertEquals(java.util.List.of("second", "third"), fired, "the next listener took the first one's place");
            second.close();
            fired.clear();
            parent.createReference().close();
            assertEquals(java.util.List.of("third"), fired);
        }
    }

    @Test
    void whenZeroChildrenCompletesAtOnceWithoutChildrenAndOnTheTransitionOtherwise() throws Exception {
        try (Vmo parent = root(4096)) {
            assertTrue(parent.whenZeroChildren().toCompletableFuture().isDone());
            Vmo child = parent.createReference();
            CompletableFuture<Void> pending = parent.whenZeroChildren().toCompletableFuture();
            assertFalse(pending.isDone());
            child.close();
            pending.get(1, TimeUnit.SECONDS);
        }
    }

    @Test
    void childOutlivesItsParentsHandle() {
        Vmo parent = root(4096);
        Vmo child = parent.createReference();
        parent.close();
        assertEquals(0, releases.get(), "the child keeps the parent object alive");
        child.write(0, MemorySegment.ofArray(new byte[] {1}));
        child.close();
        assertEquals(1, releases.get());
    }

    @Test
    void aChildGoesAwayOnlyWhenItHasNoChildrenOfItsOwn() {
        try (Vmo parent = root(4096)) {
            AtomicInteger signals = new AtomicInteger();
            parent.onZeroChildren(signals::incrementAndGet);
            Vmo child = parent.createReference();
            Vmo grandchild = child.createSlice(0, 10);
            child.close();
            assertEquals(1, parent.childCount(), "the grandchild keeps the child alive");
            assertEquals(0, signals.get());
            grandchild.close();
            assertEquals(0, parent.childCount());
            assertEquals(1, signals.get());
        }
    }

    @Test
    void mappingKeepsTheMemoryAliveAfterEveryHandleCloses() {
        Vmo vmo = root(4096);
        VmoMapping mapping = vmo.map(0, 4096, true);
        vmo.close();
        assertEquals(0, releases.get());
        mapping.segment().set(ValueLayout.JAVA_INT, 0, 0xCAFE);
        assertEquals(0xCAFE, mapping.segment().get(ValueLayout.JAVA_INT, 0));
        mapping.close();
        assertEquals(1, releases.get());
        assertStatus(Status.BAD_STATE, mapping::segment);
    }

    @Test
    void aSegmentKeptAfterItsMappingClosedFailsCleanly() {
        try (Vmo vmo = root(4096)) {
            VmoMapping mapping = vmo.map(0, 4096, true);
            MemorySegment kept = mapping.segment();
            kept.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            mapping.close();
            assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0));
        }
        assertEquals(1, releases.get());
    }

    @Test
    void aConfinedMappingBelongsToItsThreadAndASharedOneToAll() throws Exception {
        try (Vmo vmo = root(4096)) {
            VmoMapping confined = vmo.map(0, 16, true);
            VmoMapping shared = vmo.mapShared(0, 16, true);
            assertFalse(confined.isShared());
            assertTrue(shared.isShared());
            CompletableFuture<Throwable> fromOtherThread = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                shared.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 9);
                try {
                    confined.segment().get(ValueLayout.JAVA_BYTE, 0);
                    fromOtherThread.complete(null);
                } catch (WrongThreadException e) {
                    try {
                        confined.close();
                        fromOtherThread.complete(null);
                    } catch (StatusException closeRefused) {
                        fromOtherThread.complete(closeRefused);
                    }
                }
                shared.close();
            }).join();
            StatusException refused = (StatusException) fromOtherThread.get(1, TimeUnit.SECONDS);
            assertEquals(Status.BAD_STATE, refused.status());
            assertFalse(confined.isClosed(), "a refused close leaves the mapping open");
            assertEquals(9, confined.segment().get(ValueLayout.JAVA_BYTE, 0));
            confined.close();
            assertTrue(shared.isClosed());
        }
        assertEquals(1, releases.get());
    }

    @Test
    void readOnlyMappingRefusesWrites() {
        try (Vmo vmo = root(4096); VmoMapping mapping = vmo.map(0, 16, false)) {
            assertTrue(mapping.segment().isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> mapping.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        }
    }

    @Test
    void mappingAndIoRangesAreChecked() {
        try (Vmo vmo = root(4096)) {
            assertStatus(Status.OUT_OF_RANGE, () -> vmo.map(4000, 100, false));
            assertStatus(Status.OUT_OF_RANGE, () -> vmo.map(-4096, 100, false));
            assertStatus(Status.INVALID_ARGS, () -> vmo.map(0, 0, false));
            assertStatus(Status.OUT_OF_RANGE, () -> vmo.read(4095, MemorySegment.ofArray(new byte[2])));
            assertStatus(Status.OUT_OF_RANGE, () -> vmo.write(Long.MAX_VALUE, MemorySegment.ofArray(new byte[2])));
            assertStatus(Status.OUT_OF_RANGE, () -> vmo.zero(1, 4096));
        }
        assertEquals(1, releases.get(), "failed operations leave no pin behind");
    }

    @Test
    void zeroClearsTheRange() {
        try (Vmo vmo = root(4096)) {
            vmo.write(0, MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
            vmo.zero(1, 2);
            byte[] seen = new byte[4];
            vmo.read(0, MemorySegment.ofArray(seen));
            assertArrayEquals(new byte[] {1, 0, 0, 4}, seen);
        }
    }

    @Test
    void inaccessibleObjectsDenyCpuAccessOnThemselvesTheirChildrenAndDuplicates() {
        Vmo vmo = Vmos.inaccessible(8192, OptionalLong.empty(), releases::incrementAndGet);
        Vmo slice = vmo.createSlice(4096, 4096);
        Vmo reference = vmo.createReference();
        Vmo duplicate = vmo.duplicate();
        MemorySegment buffer = MemorySegment.ofArray(new byte[1]);
        for (Vmo handle : new Vmo[] {vmo, slice, reference, duplicate}) {
            assertTrue(handle.isInaccessible());
            assertStatus(Status.ACCESS_DENIED, () -> handle.map(0, 1, false));
            assertStatus(Status.ACCESS_DENIED, () -> handle.read(0, buffer));
            assertStatus(Status.ACCESS_DENIED, () -> handle.write(0, buffer));
            assertStatus(Status.ACCESS_DENIED, () -> handle.zero(0, 1));
        }
        assertEquals(8192, reference.size());
        for (Vmo handle : new Vmo[] {vmo, slice, reference, duplicate}) {
            handle.close();
        }
        assertEquals(1, releases.get());
    }

    @Test
    void physicalAddressFollowsChildrenOffsets() {
        MemorySegment memory = Arena.ofAuto().allocate(8192);
        try (Vmo vmo = Vmos.root(memory, OptionalLong.of(0x1000_0000L), releases::incrementAndGet);
                Vmo slice = vmo.createSlice(4096, 100); Vmo grandchild = slice.createSlice(10, 10)) {
            assertEquals(OptionalLong.of(0x1000_1000L), slice.physicalAddress());
            assertEquals(OptionalLong.of(0x1000_100AL), grandchild.physicalAddress());
            // A REFERENCE child keeps no extent of its own: it reads its parent's, a slice's included.
            try (Vmo reference = slice.createReference(); Vmo referenceOfReference = reference.createReference()) {
                assertEquals(OptionalLong.of(0x1000_1000L), referenceOfReference.physicalAddress());
                assertEquals(100, referenceOfReference.size());
                referenceOfReference.write(99, MemorySegment.ofArray(new byte[] {42}));
                assertEquals(42, memory.get(ValueLayout.JAVA_BYTE, 4096 + 99));
                assertStatus(Status.OUT_OF_RANGE, () -> referenceOfReference.write(100, MemorySegment.ofArray(new byte[1])));
            }
        }
        try (Vmo plain = root(4096)) {
            assertTrue(plain.physicalAddress().isEmpty());
        }
    }

    @Test
    void concurrentClosesOfOneHandleReleaseExactlyOnce() throws Exception {
        int rounds = 2_000;
        CyclicBarrier barrier = new CyclicBarrier(2);
        for (int round = 0; round < rounds; round++) {
            Vmo parent = root(4096);
            Vmo child = parent.createReference();
            Vmo childDuplicate = child.duplicate();
            parent.onZeroChildren(parent::close);
            Thread other = Thread.ofPlatform().start(() -> {
                await(barrier);
                child.close();
                childDuplicate.close();
            });
            await(barrier);
            child.close();
            childDuplicate.close();
            other.join();
        }
        assertEquals(rounds, releases.get());
    }

    /** The tree lock is one compare-and-set: two threads changing one tree's counts at once lose no update. */
    @Test
    void twoThreadsWorkingOnOneTreeLeaveItsCountsExact() throws Exception {
        int rounds = 200_000;
        Vmo root = root(8192);
        Vmo slice = root.createSlice(4096, 4096);
        CyclicBarrier barrier = new CyclicBarrier(2);
        Runnable work = () -> {
            await(barrier);
            for (int i = 0; i < rounds; i++) {
                root.duplicate().close(); // the root's handle count, from both threads
                slice.createReference().close(); // the slice's child count
                if (i % 16 == 0) {
                    try (VmoMapping mapping = slice.map(0, 4096, true)) { // the slice's mapping count
                        mapping.segment().set(ValueLayout.JAVA_BYTE, i % 4096, (byte) 1);
                    }
                }
            }
        };
        Thread other = Thread.ofPlatform().start(work);
        work.run();
        other.join();
        assertEquals(1, root.handleCount());
        assertEquals(0, root.mappingCount());
        assertEquals(1, root.childCount(), "the slice alone");
        assertEquals(0, slice.childCount());
        assertEquals(0, slice.mappingCount());
        assertEquals(0, releases.get());
        slice.close();
        root.close();
        assertEquals(1, releases.get(), "released once, when the last count reached zero");
    }

    @Test
    void aLeakedHandleIsClosedByTheGarbageCollectorAndCounted() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        long leakedBefore = Vmos.leakedHandles();
        Vmo parent = Vmos.root(Arena.ofAuto().allocate(4096), released::countDown);
        leakChild(parent);
        parent.close();
        for (int i = 0; i < 100 && released.getCount() > 0; i++) {
            System.gc();
            released.await(50, TimeUnit.MILLISECONDS);
        }
        assertEquals(0, released.getCount(), "the leaked child handle was never reclaimed");
        assertTrue(Vmos.leakedHandles() > leakedBefore);
    }

    @Test
    void releaseCallbackFailureDoesNotBreakTheCaller() {
        Vmo vmo = Vmos.root(Arena.ofAuto().allocate(4096), () -> {
            throw new IllegalStateException("boom");
        });
        vmo.close();
        assertTrue(vmo.isClosed());
    }

    @Test
    void inaccessibleAndEmptyRootsRejectBadSizes() {
        assertStatus(Status.INVALID_ARGS, () -> Vmos.inaccessible(0, OptionalLong.empty(), () -> { }));
        assertStatus(Status.INVALID_ARGS, () -> Vmos.inaccessible(-1, OptionalLong.empty(), () -> { }));
        assertStatus(Status.INVALID_ARGS, () -> Vmos.root(MemorySegment.NULL, () -> { }));
    }

    @Test
    void emptyRightsDuplicateCanDoNothing() {
        try (Vmo vmo = root(4096); Vmo none = vmo.duplicate(Set.of())) {
            assertTrue(none.rights().isEmpty());
            assertStatus(Status.ACCESS_DENIED, () -> none.read(0, MemorySegment.ofArray(new byte[1])));
        }
    }

    private static void leakChild(Vmo parent) {
        parent.createReference();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
