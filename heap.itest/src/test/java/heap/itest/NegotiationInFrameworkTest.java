package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionConstraints;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.BufferUsage;
import heap.api.allocator.ColorSpace;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.ImageFormatConstraints;
import heap.api.allocator.PixelFormat;
import heap.api.allocator.SharedCollection;
import heap.api.vmo.VmoRight;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/** Two real bundles negotiate one collection; the producer hands the consumer a token as an OSGi service. */
class NegotiationInFrameworkTest extends FrameworkTestSupport {

    private static BufferCollectionConstraints constraints(BufferUsage usage, int camping) {
        return BufferCollectionConstraints.builder().usage(usage).minBufferCountForCamping(camping)
                .memory(size(64 * 1024).build()).build();
    }

    /** The consumer bundle finds the token the producer published, and binds it through its own allocator view. */
    private static SharedCollection bindPublishedToken(Bundle consumer) {
        BundleContext context = consumer.getBundleContext();
        ServiceReference<BufferCollectionToken> reference = awaitValue("the producer's token service",
                () -> context.getServiceReference(BufferCollectionToken.class));
        BufferCollectionToken token = context.getService(reference);
        try {
            return viewOf(consumer).bind(token);
        } finally {
            context.ungetService(reference);
        }
    }

    private static ServiceRegistration<BufferCollectionToken> publish(Bundle producer, BufferCollectionToken token) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("collection", token.collectionId());
        return producer.getBundleContext().registerService(BufferCollectionToken.class, token, properties);
    }

    private static BufferCollection now(CompletionStage<BufferCollection> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aProducerAndAConsumerBundleNegotiateThreeBuffersAndTheConsumerCannotWrite() throws Exception {
        Bundle producer = startClient("itest.camera");
        Bundle consumer = startClient("itest.encoder");
        BufferAllocator producerView = viewOf(producer);
        BufferCollectionToken token = producerView.newSharedCollection();
        token.setName(5, "camera-frames");
        ServiceRegistration<BufferCollectionToken> published = publish(producer,
                token.duplicate(EnumSet.of(VmoRight.READ, VmoRight.MAP, VmoRight.DUPLICATE)));
        SharedCollection produced = producerView.bind(token);
        produced.setConstraints(constraints(BufferUsage.CPU_WRITE, 2));
        CompletionStage<BufferCollection> producerBuffers = produced.allocated();

        SharedCollection consumed = bindPublishedToken(consumer);
        published.unregister();
        consumed.setConstraints(constraints(BufferUsage.CPU_READ, 1));

        BufferCollection written = now(producerBuffers);
        BufferCollection read = now(consumed.allocated());
        assertEquals(3, written.buffers().size());
        assertEquals(3, read.buffers().size());
        assertFalse(read.buffers().get(0).rights().contains(VmoRight.WRITE), "the consumer's token was read-only");
        written.buffers().get(1).write(0, MemorySegment.ofArray(new byte[] {7}));
        byte[] seen = new byte[1];
        read.buffers().get(1).read(0, MemorySegment.ofArray(seen));
        assertEquals(7, seen[0]);
        assertTrue(allocator().negotiations().stream().anyMatch(n -> n.name().equals("camera-frames")
                && n.state().equals("allocated") && n.aggregated().startsWith("3 x 65536 bytes")));

        // A participant that dies after allocation without releasing fails the collection (NEGOTIATION.md F5), but
        // delivered buffers are never revoked (F4): the producer's stay valid until it closes them.
        consumer.stop();
        assertTrue(read.buffers().get(0).isClosed(), "the stopped consumer's handles were closed");
        assertTrue(allocator().negotiations().stream().noneMatch(n -> n.name().equals("camera-frames")));
        written.buffers().get(2).write(0, MemorySegment.ofArray(new byte[] {8}));
        produced.close();
        written.close();
    }

    @Test
    void aParticipantBundleStoppedBeforeSettingConstraintsFailsBothSidesNamingIt() throws Exception {
        Bundle producer = startClient("itest.camera.failing");
        Bundle consumer = startClient("itest.encoder.failing");
        BufferAllocator producerView = viewOf(producer);
        BufferCollectionToken token = producerView.newSharedCollection();
        ServiceRegistration<BufferCollectionToken> published = publish(producer, token.duplicate());
        SharedCollection produced = producerView.bind(token);
        produced.setConstraints(constraints(BufferUsage.CPU_WRITE, 2));
        SharedCollection consumed = bindPublishedToken(consumer);
        published.unregister();

        consumer.stop();

        try {
            now(produced.allocated());
            throw new AssertionError("the negotiation should have failed");
        } catch (ExecutionException e) {
            SysmemException cause = (SysmemException) e.getCause();
            assertEquals(SysmemError.UNSPECIFIED, cause.error());
            assertTrue(cause.getMessage().contains("itest.encoder.failing"), cause.getMessage());
        }
        org.junit.jupiter.api.Assertions.assertThrows(SysmemException.class,
                () -> consumed.setConstraints(constraints(BufferUsage.CPU_READ, 1)));
        produced.close();
    }

    /**
     * A token group across bundles (sysmem's BufferCollectionTokenGroup): the producer offers a secure decoder path
     * first and a CPU reader second; the decoder's CPU usage cannot be secure, so the allocation falls back to the
     * reader, on a real heap, and the decoder bundle learns it was not chosen.
     */
    @Test
    void aGroupOfferedToTwoBundlesFallsBackToTheSecondWhenTheFirstCannotBeServed() throws Exception {
        Bundle producer = startClient("itest.camera.group");
        Bundle decoder = startClient("itest.decoder.group");
        Bundle reader = startClient("itest.reader.group");
        BufferAllocator producerView = viewOf(producer);
        BufferCollectionToken token = producerView.newSharedCollection();
        BufferCollectionToken forGroup = token.duplicate();
        heap.api.allocator.BufferCollectionTokenGroup group = forGroup.createGroup();
        BufferCollectionToken forDecoder = group.createChild();
        BufferCollectionToken forReader = group.createChild(EnumSet.of(VmoRight.READ, VmoRight.MAP,
                VmoRight.DUPLICATE));
        group.allChildrenPresent();
        forGroup.release();
        forGroup.close();
        SharedCollection produced = producerView.bind(token);
        produced.setConstraints(constraints(BufferUsage.CPU_WRITE, 1));
        SharedCollection decoding = viewOf(decoder).bind(forDecoder);
        decoding.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_READ)
                .minBufferCountForCamping(1).memory(size(64 * 1024).secureRequired(true).build()).build());
        SharedCollection reading = viewOf(reader).bind(forReader);
        reading.setConstraints(constraints(BufferUsage.CPU_READ, 1));

        BufferCollection written = now(produced.allocated());
        BufferCollection read = now(reading.allocated());
        assertEquals(2, written.buffers().size(), "the producer's camping and the reader's, not the decoder's");
        written.buffers().get(0).write(0, MemorySegment.ofArray(new byte[] {9}));
        byte[] seen = new byte[1];
        read.buffers().get(0).read(0, MemorySegment.ofArray(seen));
        assertEquals(9, seen[0]);
        try {
            now(decoding.allocated());
            throw new AssertionError("the decoder was not chosen");
        } catch (ExecutionException e) {
            assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, ((SysmemException) e.getCause()).error());
            assertTrue(e.getCause().getMessage().contains("was not chosen"), e.getCause().getMessage());
        }
        decoder.stop(); // a participant not chosen leaves without failing the others
        assertTrue(allocator().negotiations().stream().anyMatch(n -> n.id() == produced.collectionId()
                && n.state().equals("allocated")), allocator().negotiations().toString());
        group.release();
        group.close();
        reading.release();
        reading.close();
        read.close();
        produced.release();
        produced.close();
        written.close();
    }

    /**
     * Weak VMOs across bundles (NEGOTIATION.md §8, sysmem's SetWeak and close_weak_asap): a cache bundle's weak VMOs
     * do not keep the producer's buffer; once the producer is done the cache is told to close, and its buffer goes back
     * to the real heap only when the cache bundle, which never closed them, stops.
     */
    @Test
    void aCacheBundlesWeakVmosAreToldToCloseWhenTheProducerIsDoneAndGoBackWhenTheCacheStops() throws Exception {
        Bundle producer = startClient("itest.producer.weak");
        Bundle cache = startClient("itest.cache.weak");
        BufferAllocator producerView = viewOf(producer);
        BufferCollectionToken token = producerView.newSharedCollection();
        BufferCollectionToken forCache = token.duplicate();
        forCache.setWeak();
        forCache.setWeakOk(true);
        ServiceRegistration<BufferCollectionToken> published = publish(producer, forCache);
        SharedCollection produced = producerView.bind(token);
        produced.setConstraints(constraints(BufferUsage.CPU_WRITE, 1));
        SharedCollection cached = bindPublishedToken(cache);
        published.unregister();
        cached.setConstraints(constraints(BufferUsage.CPU_READ, 0));
        BufferCollection written = now(produced.allocated());
        BufferCollection weak = now(cached.allocated());
        HeapId heap = written.settings().bufferSettings().heap();
        LongSupplier live = () -> allocator().heaps().stream().filter(status -> status.id().equals(heap))
                .mapToLong(HeapStatus::liveBuffers).sum();
        long withTheBuffer = live.getAsLong();
        written.buffers().getFirst().write(0, MemorySegment.ofArray(new byte[] {5}));

        produced.release();
        produced.close();
        written.close();
        weak.closeWeakAsap(0).orElseThrow().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(withTheBuffer, live.getAsLong(), "the weak VMO still reaches the buffer: it stays");
        byte[] seen = new byte[1];
        weak.buffers().getFirst().read(0, MemorySegment.ofArray(seen));
        assertEquals(5, seen[0]);

        cache.stop();
        assertTrue(weak.buffers().getFirst().isClosed(), "the stopped cache's weak VMO was closed");
        awaitTrue("the buffer back in its heap", () -> live.getAsLong() == withTheBuffer - 1);
        weak.close(); // its handles are closed already: this only says it was not dropped
    }

    /**
     * Image formats across bundles (NEGOTIATION.md C5, C7): a camera bundle offers NV12 or RGBA, an encoder bundle
     * takes NV12 only; the real heap is asked for the NV12 image's bytes and told the format.
     */
    @Test
    void twoBundlesAgreeOnAnImageFormatThatSizesTheBuffersOnARealHeap() throws Exception {
        Bundle camera = startClient("itest.camera.image");
        Bundle encoder = startClient("itest.encoder.image");
        BufferAllocator cameraView = viewOf(camera);
        BufferCollectionToken token = cameraView.newSharedCollection();
        ServiceRegistration<BufferCollectionToken> published = publish(camera, token.duplicate());
        SharedCollection produced = cameraView.bind(token);
        produced.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_WRITE)
                .minBufferCountForCamping(1)
                .imageFormat(ImageFormatConstraints.builder(PixelFormat.R8G8B8A8)
                        .colorSpaces(ColorSpace.SRGB).minSize(1280, 720).build())
                .imageFormat(ImageFormatConstraints.builder(PixelFormat.NV12)
                        .colorSpaces(ColorSpace.REC709).minSize(1280, 720).build())
                .build());
        SharedCollection consumed = bindPublishedToken(encoder);
        published.unregister();
        consumed.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_READ)
                .imageFormat(ImageFormatConstraints.builder(PixelFormat.NV12)
                        .colorSpaces(ColorSpace.REC709, ColorSpace.REC2020)
                        .bytesPerRowDivisor(256).build())
                .build());
        BufferCollection written = now(produced.allocated());
        BufferCollection read = now(consumed.allocated());
        assertEquals("NV12", written.settings().imageFormatConstraints().get("pixel_format"));
        assertEquals("1280", written.settings().imageFormatConstraints().get("bytes_per_row"), "1280 is 5 x 256");
        assertEquals(1280L * 720 * 3 / 2, written.settings().bufferSettings().sizeBytes());
        assertTrue(written.buffers().getFirst().size() >= 1280L * 720 * 3 / 2, "the heap's buffer holds the image");
        written.buffers().getFirst().write(1280L * 720 * 3 / 2 - 1, MemorySegment.ofArray(new byte[] {3}));
        byte[] seen = new byte[1];
        read.buffers().getFirst().read(1280L * 720 * 3 / 2 - 1, MemorySegment.ofArray(seen));
        assertEquals(3, seen[0], "the last chroma byte, written by the camera, read by the encoder");
        for (SharedCollection node : List.of(consumed, produced)) {
            node.release();
            node.close();
        }
        read.close();
        written.close();
    }
}
