package heap.registry;

import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionConstraints;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.BufferCollectionTokenGroup;
import heap.api.allocator.BufferUsage;
import heap.api.allocator.CollectionNode;
import heap.api.allocator.ImageFormatConstraints;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.Participant;
import heap.api.allocator.SharedCollection;
import heap.api.BufferMemorySettings;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoRight;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A collection negotiated by independent participants (sysmem2's logical buffer collection, NEGOTIATION.md): a
 * tree of nodes — tokens, bound collections, orphans — guarded by this object's lock, as sysmem serializes a
 * collection on its one dispatcher. It is allocated once, when every node of the root's subtree (not crossing an
 * attached token) is ready; a failure spreads up to the root, a dispensable node (after allocation) or an attached
 * token, and fails everything below that point.
 */
final class LogicalCollection {
    private enum Kind { TOKEN, COLLECTION, ORPHAN, GROUP }

    /** Sysmem's kMaxGroupChildCombinations: how many combinations of group children one allocation tries. */
    private static final int MAX_GROUP_CHILD_COMBINATIONS = 64;
    /** Sysmem's limit of tokens per DuplicateSync, and of children per CreateChildrenSync. */
    private static final int MAX_CHILDREN_PER_CALL = 64;

    private static final Set<VmoRight> ALL_RIGHTS = EnumSet.allOf(VmoRight.class);
    private static final int MAX_NAME = 64;
    private static final int MAX_DEBUG_NAME = 256;
    /** The first stall report, 5 s after the collection was made, and the next (the last) 30 s after that, as in sysmem. */
    private static final Duration FIRST_STALL_REPORT = Duration.ofSeconds(5);
    private static final Duration NEXT_STALL_REPORT = Duration.ofSeconds(30);
    private static final Duration LATEST_DEADLINE = Duration.ofDays(365);
    /** How long after close_weak_asap weak VMOs still open are logged as a leak, as in sysmem. */
    private static final Duration WEAK_LEAK_REPORT = Duration.ofSeconds(5);

    private final class Node {
        final Node parent;
        final boolean attached; // AttachToken: failures below never reach the parent; joins after the parent's allocation
        final Set<VmoRight> rights;
        final List<Node> children = new ArrayList<>(1);
        final List<CompletableFuture<BufferCollection>> waiters = new ArrayList<>(0);
        Kind kind = Kind.TOKEN;
        Account account;
        String debugName;
        boolean debugNameSet;
        boolean dispensable;
        boolean released;
        boolean failed;
        boolean allocated;
        SysmemException failure; // why it failed: what its later waits report
        BufferCollectionConstraints constraints;
        boolean allChildrenPresent; // a group's: no more children, it is ready once they are
        int whichChild = -1; // a group's child in the combination being tried; -1: every child (none is being tried)
        boolean closed; // its token, collection or group object is closed (a bound token's node lives on)
        // Sysmem's SetWeak and SetWeakOk: copied to nodes made from this one afterwards (the second as asked).
        boolean weak;
        boolean weakOk;
        boolean weakOkForChildren;
        boolean waitSeen; // allocated() was called: too late for setWeakOk

        Node(Node parent, boolean attached, Set<VmoRight> rights, Account account, String debugName) {
            this.parent = parent;
            this.attached = attached;
            this.rights = Set.copyOf(rights);
            this.account = account;
            this.debugName = debugName;
            if (parent != null) {
                parent.children.add(this);
                weak = parent.weak;
                weakOk = parent.weakOkForChildren;
                weakOkForChildren = parent.weakOkForChildren;
            }
        }

        /** A node that keeps the buffers alive for sysmem: not weak, and still open. */
        boolean strong() {
            return !weak && !failed && !closed;
        }

        String label() {
            return "participant '" + debugName + "' (bundle " + account.name + ")";
        }
    }

    private final HeapRegistry registry;
    private final long id;
    private final Account payer;
    private final Node root;
    private String name = "";
    private int namePriority = Integer.MIN_VALUE;
    private String state = "pending";
    private SysmemException failure;
    private HeapRegistry.Allocation allocation;
    private Optional<ImageFormats.Chosen> image = Optional.empty(); // the buffers' agreed image format, once allocated
    private String aggregated = "";
    private int openHandles;
    // Sysmem's CreationTimedOut (A2): when a still pending collection says who it waits for, and how often it did.
    private final long createdNanos = System.nanoTime();
    // When it was allocated or failed; 0 while pending. Volatile: the registry's sweep skips decided collections
    // without taking their lock.
    private volatile long decidedNanos;
    private long stallReportNanos = createdNanos + FIRST_STALL_REPORT.toNanos();
    private int stallReports;
    private boolean verbose; // sysmem's SetVerboseLogging: the tree and every combination tried, at INFO
    // What completes participants' stages, queued under the lock and run once it is released (notifyOutsideLock), so
    // their callbacks never run holding it: a callback that waits for another thread calling in cannot deadlock.
    private final List<Runnable> notifications = new ArrayList<>();
    private WeakBuffers weakBuffers; // made as the first weak participant gets buffers
    private boolean strongReleased; // no strong node is left: the strong layers go as their last children close

    LogicalCollection(HeapRegistry registry, long id, Account creator) {
        this.registry = registry;
        this.id = id;
        this.payer = creator;
        this.root = new Node(null, false, ALL_RIGHTS, creator, creator.name);
    }

    /**
     * A pending collection whose report is due says which participants it waits for (nothing times out: sysmem
     * only logs, twice); {@code nowNanos} is {@link System#nanoTime()}.
     */
    void reportIfStalled(long nowNanos) {
        if (decidedNanos == 0) {
            reportIfStillStalled(nowNanos);
        }
    }

    private synchronized void reportIfStillStalled(long nowNanos) {
        if (!state.equals("pending") || stallReports == 2 || nowNanos - stallReportNanos < 0) {
            return;
        }
        stallReports++;
        stallReportNanos = nowNanos + NEXT_STALL_REPORT.toNanos();
        List<String> unbound = new ArrayList<>();
        List<String> unconstrained = new ArrayList<>();
        List<String> openGroups = new ArrayList<>();
        for (Node node : blocking()) {
            if (node.kind == Kind.TOKEN) {
                unbound.add(node.label() + (node.released ? " (released, not closed)" : ""));
            } else if (node.kind == Kind.GROUP) {
                openGroups.add("the group of " + node.label());
            } else {
                unconstrained.add(node.label());
            }
        }
        List<String> waitingFor = new ArrayList<>(2);
        if (!unbound.isEmpty()) {
            waitingFor.add("tokens not bound: " + String.join(", ", unbound));
        }
        if (!unconstrained.isEmpty()) {
            waitingFor.add("constraints not set: " + String.join(", ", unconstrained));
        }
        if (!openGroups.isEmpty()) {
            waitingFor.add("groups without allChildrenPresent: " + String.join(", ", openGroups));
        }
        HeapRegistry.LOG.log(Level.WARNING, "shared collection " + id + nameSuffix() + " is not allocated "
                + Duration.ofNanos(nowNanos - createdNanos).toSeconds() + " s after it was made: "
                + String.join("; ", waitingFor)
                + (stallReports == 1 ? " (said once more in " + NEXT_STALL_REPORT.toSeconds() + " s if still so)" : ""));
    }

    /** Sysmem's AllocateSharedCollection: the root token, for its creator. */
    BufferCollectionToken rootToken() {
        synchronized (this) {
            return new Token(root);
        }
    }

    /** Sysmem's BindSharedCollection: the token's node becomes {@code binder}'s collection. */
    static SharedCollection bind(BufferCollectionToken token, Account binder) {
        if (!(token instanceof Token ours)) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "bind needs a token of this allocator, got "
                    + token);
        }
        return ours.bindTo(binder);
    }

    long id() {
        return id;
    }

    synchronized NegotiationStatus status() {
        List<NegotiationStatus.Participant> participants = new ArrayList<>();
        Set<Node> waitedFor = decidedNanos == 0 ? Set.copyOf(blocking()) : Set.of();
        for (Node node : subtree(root, true)) {
            participants.add(new NegotiationStatus.Participant(node.debugName, node.account.name, describe(node),
                    waitedFor.contains(node)));
        }
        return new NegotiationStatus(id, name, state, failure == null ? "" : failure.getMessage(), participants,
                aggregated, Duration.ofNanos((decidedNanos == 0 ? System.nanoTime() : decidedNanos) - createdNanos));
    }

    /** What the allocation waits for (as ready() decides). */
    private List<Node> blocking() {
        return subtree(root, false).stream().filter(LogicalCollection::waitedFor).toList();
    }

    /** A token not bound, a collection without constraints, a group that may still get children. */
    private static boolean waitedFor(Node node) {
        return node.kind == Kind.TOKEN || (node.kind == Kind.COLLECTION && node.constraints == null)
                || (node.kind == Kind.GROUP && !node.allChildrenPresent);
    }

    private static String describe(Node node) {
        String where = (node.weak ? " (weak)" : "") + (node.attached ? " (attached)" : "");
        if (node.allocated) {
            return "allocated" + where;
        }
        return switch (node.kind) {
            case TOKEN -> (node.released ? "token released" : "token, not bound") + where;
            case COLLECTION -> (node.constraints == null ? "bound, constraints not set" : "constraints set") + where;
            case ORPHAN -> "released" + where;
            case GROUP -> "group of " + node.children.size() + (node.children.size() == 1 ? " child" : " children")
                    + (node.allChildrenPresent ? "" : ", more may come") + where;
        };
    }

    // ---- the tree's rules, always under this lock

    private void checkUsable(Node node, boolean isToken, String operation) {
        String problem = node.failed ? "the collection failed" + (failure == null ? "" : ": " + failure.getMessage())
                : isToken && node.kind != Kind.TOKEN ? "the token is already bound"
                : node.released ? "it was released" : null;
        if (problem != null) {
            throw misuse(node, operation + " on " + (isToken ? "a token" : node.kind == Kind.GROUP ? "a group"
                    : "a collection") + " of shared collection "
                    + id + ": " + problem);
        }
    }

    /** A protocol misuse: the caller gets PROTOCOL_DEVIATION, and the node fails (sysmem F1). */
    private SysmemException misuse(Node node, String message) {
        SysmemException error = new SysmemException(SysmemError.PROTOCOL_DEVIATION, node.label() + ": " + message);
        if (!node.failed) {
            fail(node, node.label() + " misused the protocol: " + message);
        }
        return error;
    }

    private Set<VmoRight> narrowed(Node node, Set<VmoRight> rights, String operation) {
        if (rights == null || rights.stream().anyMatch(java.util.Objects::isNull)) {
            throw misuse(node, operation + " needs a set of rights, got " + rights);
        }
        if (!node.rights.containsAll(rights)) {
            EnumSet<VmoRight> extra = rights.isEmpty() ? EnumSet.noneOf(VmoRight.class) : EnumSet.copyOf(rights);
            extra.removeAll(node.rights);
            throw misuse(node, operation + " asks for " + extra + " beyond the token's rights " + node.rights);
        }
        return rights;
    }

    /** Sysmem's FindTreeToFail then FailDownFrom: up to the first node that stops propagation, then all below. */
    private void fail(Node node, String reason) {
        Node top = node;
        while (top.parent != null && !top.attached && !(top.dispensable && top.allocated)) {
            top = top.parent;
        }
        failDownFrom(top, new SysmemException(SysmemError.UNSPECIFIED, "shared collection " + id + nameSuffix()
                + " failed: " + reason));
    }

    /** Every node below {@code top} fails, attached tokens' subtrees too (sysmem's FailDownFrom goes through them). */
    private void failDownFrom(Node top, SysmemException error) {
        failDownFrom(top, error, Level.WARNING);
    }

    /** As above, logged at {@code level}: a weak collection's routine end is no warning. */
    private void failDownFrom(Node top, SysmemException error, Level level) {
        for (Node node : subtree(top, true)) {
            node.failed = true;
            node.failure = error;
            for (CompletableFuture<BufferCollection> waiter : node.waiters) {
                notifyLater(() -> waiter.completeExceptionally(error));
            }
            node.waiters.clear();
        }
        if (top.parent != null) {
            top.parent.children.remove(top);
        }
        HeapRegistry.LOG.log(level, error.getMessage() + (top == root ? "" : " (only the subtree of "
                + top.label() + ")"));
        if (top == root) {
            end("failed", error);
        } else {
            maybeAllocate();
            maybeReleaseStrong();
        }
    }

    private void end(String finalState, SysmemException error) {
        if (decidedNanos == 0) {
            decidedNanos = System.nanoTime(); // failed before allocation
        }
        state = finalState;
        failure = error;
        if (allocation != null) {
            releaseStrong();
            if (weakBuffers != null && error != null) {
                weakBuffers.signalAll(); // a failed collection tells its weak participants at once, as sysmem
            }
        }
        registry.ended(this);
    }

    private void maybeAllocate() {
        if (state.equals("pending") && ready(root)) {
            allocate();
        }
        if (state.equals("allocated")) {
            for (Node node : subtree(root, true)) {
                if (node.attached && !node.allocated && !node.failed && node.parent.allocated && ready(node)) {
                    allocateLate(node);
                }
            }
        }
    }

    /**
     * Ready: a collection with constraints, an orphan or a group with all its children, and so is every node below
     * it not behind an attachment.
     */
    private boolean ready(Node node) {
        if (waitedFor(node)) {
            return false;
        }
        for (Node child : node.children) { // a group's every child, whichever is chosen
            if (!child.attached && !ready(child)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sysmem's TryAllocate for the root's subtree: one attempt, all or nothing, never retried — one per combination
     * of group children (MaybeAllocate), until one is allocated.
     */
    private void allocate() {
        List<Node> everyone = subtree(root, false);
        List<Node> nodes;
        try {
            if (everyone.stream().noneMatch(node -> node.kind == Kind.COLLECTION)) {
                throw new SysmemException(SysmemError.UNSPECIFIED, "zero clients remain");
            }
            if (everyone.stream().noneMatch(Node::strong)) {
                throw new SysmemException(SysmemError.UNSPECIFIED, "every node left is weak: at least one strong "
                        + "node must remain for the buffers to be allocated");
            }
            nodes = firstCombinationThatFits(root, combination -> {
                Counts counts = Counts.of(contributors(combination));
                Routing.Aggregate memory = memoryAggregate(contributors(combination));
                allocation = registry.allocate(memory, (int) counts.buffers, payer, id, null); // buffers <= max <= int
                image = memory.image();
            });
        } catch (SysmemException e) {
            for (Node node : everyone) {
                node.waiters.forEach(waiter -> notifyLater(() -> waiter.completeExceptionally(e)));
                node.waiters.clear();
            }
            failDownFrom(root, new SysmemException(e.error(), "shared collection " + id + nameSuffix()
                    + " could not be allocated: " + e.getMessage(), e));
            return;
        }
        state = "allocated";
        decidedNanos = System.nanoTime();
        BufferMemorySettings settings = allocation.record.settings().bufferSettings();
        aggregated = allocation.record.bufferCount() + " x " + settings.sizeBytes() + " bytes on " + settings.heap()
                + " (served by " + allocation.record.heap.id + "), " + settings.coherencyDomain()
                + (settings.physicallyContiguous() ? ", contiguous" : "") + (settings.secure() ? ", secure" : "")
                + image.map(chosen -> ", " + chosen.format().pixelFormat() + " " + chosen.width() + "x"
                        + chosen.height() + " " + chosen.colorSpace()).orElse("");
        HeapRegistry.LOG.log(Level.INFO, "shared collection " + id + nameSuffix() + " allocated: " + aggregated
                + " for " + nodes.stream().filter(n -> n.kind == Kind.COLLECTION).map(Node::label).toList());
        deliver(nodes);
        maybeAllocate(); // attached tokens that were already waiting
    }

    /** Sysmem's TryLateLogicalAllocation: the newcomers' constraints must fit the buffers that exist. */
    private void allocateLate(Node top) {
        List<Node> nodes;
        try {
            List<Node> allocated = contributors(subtree(root, true).stream().filter(n -> n.allocated).toList());
            nodes = firstCombinationThatFits(top, combination -> {
                List<Node> everyone = new ArrayList<>(allocated);
                everyone.addAll(contributors(combination));
                Counts counts = Counts.of(everyone);
                int existing = allocation.record.bufferCount();
                if (counts.buffers > existing || counts.maxAllowed < existing) {
                    throw Routing.refused(top.label() + " joined late but the participants together now need "
                            + counts.buffers + " buffers (at most " + counts.maxAllowed + ") and the collection has "
                            + existing + ": camping and slack already claimed are first come, first served");
                }
                BufferMemorySettings settings = allocation.record.settings().bufferSettings();
                for (Node node : contributors(combination)) {
                    checkFits(node, settings);
                    String closed = node.weak && weakBuffers != null ? weakBuffers.closedToWeakVmos() : null;
                    if (closed != null) {
                        throw new SysmemException(SysmemError.UNSPECIFIED, node.label() + " joined late, but " + closed);
                    }
                }
            });
        } catch (SysmemException e) {
            for (Node node : subtree(top, false)) {
                node.waiters.forEach(waiter -> notifyLater(() -> waiter.completeExceptionally(e)));
                node.waiters.clear();
            }
            failDownFrom(top, e);
            return;
        }
        HeapRegistry.LOG.log(Level.INFO, "shared collection " + id + nameSuffix() + ": " + top.label()
                + " joined late and gets the existing buffers");
        deliver(nodes);
    }

    /** One try at allocating the nodes of a combination; a SysmemException says why not. */
    private interface Attempt {
        void tryWith(List<Node> combination);
    }

    /**
     * Sysmem's group child selection (MaybeAllocate with Init/NextGroupChildSelection): {@code attempt} with each
     * combination of the groups' children below {@code top} in priority order until one succeeds, whose nodes it
     * returns after failing the children not chosen. An attempt refused for its constraints (CIE) moves on to the next
     * combination; any other failure ends the search. Without groups there is one combination: every node.
     */
    private List<Node> firstCombinationThatFits(Node top, Attempt attempt) {
        List<Node> groups = new ArrayList<>();
        groupsByPriority(top, groups);
        groups.forEach(group -> group.whichChild = 0);
        if (verbose) {
            HeapRegistry.LOG.log(Level.INFO, "shared collection " + id + nameSuffix() + " (verbose): allocating "
                    + (top == root ? "" : "the late subtree of " + top.label() + " ") + "for this tree:"
                    + tree(top, "\n  "));
        }
        SysmemException preferred = null;
        try {
            for (int combination = 0; ; combination++) {
                if (combination == MAX_GROUP_CHILD_COMBINATIONS) {
                    throw new SysmemException(SysmemError.TOO_MANY_GROUP_CHILD_COMBINATIONS, "tried "
                            + MAX_GROUP_CHILD_COMBINATIONS + " combinations of group children, none could be "
                            + "allocated; the preferred one: " + preferred.getMessage(), preferred);
                }
                List<Node> nodes = subtree(top, false, true);
                try {
                    if (verbose && !groups.isEmpty()) {
                        HeapRegistry.LOG.log(Level.INFO, "shared collection " + id + nameSuffix() + " (verbose): "
                                + "combination " + (combination + 1) + " of group children: " + contributors(nodes)
                                .stream().map(Node::label).toList());
                    }
                    attempt.tryWith(nodes);
                    if (preferred != null) { // why the preferred alternative was not taken, once
                        HeapRegistry.LOG.log(Level.INFO, "shared collection " + id + nameSuffix() + ": combination "
                                + (combination + 1) + " of group children fits, after " + combination + " refused; the "
                                + "preferred one: " + preferred.getMessage());
                    }
                    notChosen(top, nodes);
                    return nodes;
                } catch (SysmemException e) {
                    if (e.error() != SysmemError.CONSTRAINTS_INTERSECTION_EMPTY || groups.isEmpty()) {
                        throw e;
                    }
                    preferred = preferred == null ? e : preferred;
                    if (verbose) {
                        HeapRegistry.LOG.log(Level.INFO, "shared collection " + id + nameSuffix() + " (verbose): "
                                + "combination " + (combination + 1) + " refused: " + e.getMessage());
                    }
                    if (!nextCombination(groups)) {
                        throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, "none of the "
                                + (combination + 1) + " combinations of group children fits; the preferred one: "
                                + preferred.getMessage(), preferred);
                    }
                }
            }
        } finally {
            groups.forEach(group -> group.whichChild = -1);
        }
    }

    /** The tree below {@code node} as verbose logging shows it: a line a node, indented by depth. */
    private static String tree(Node node, String indent) {
        StringBuilder lines = new StringBuilder(indent).append(node.kind.name().toLowerCase(java.util.Locale.ROOT))
                .append(' ').append(node.label()).append(": ").append(describe(node));
        if (node.constraints != null) {
            lines.append(", ").append(node.constraints);
        }
        for (Node child : node.children) {
            lines.append(tree(child, indent + "  "));
        }
        return lines.toString();
    }

    /** Sysmem's PrioritizedGroupsOfPrunedSubtree...: the groups below {@code node}, depth first, parents first. */
    private static void groupsByPriority(Node node, List<Node> groups) {
        if (node.kind == Kind.GROUP) {
            groups.add(node);
        }
        for (Node child : node.children) {
            if (!child.attached) {
                groupsByPriority(child, groups);
            }
        }
    }

    /** Sysmem's NextGroupChildSelection: an odometer whose last visible group turns fastest; false once done. */
    private static boolean nextCombination(List<Node> groups) {
        for (Node group : groups.reversed()) {
            if (!visible(group)) {
                continue; // inside a child not chosen: its choice does not matter now
            }
            if (group.whichChild < group.children.size() - 1) {
                group.whichChild++;
                return true;
            }
            group.whichChild = 0; // carry
        }
        return false;
    }

    /** Whether {@code node} is in the combination being tried: every group above it chose the way to it. */
    private static boolean visible(Node node) {
        for (Node child = node; child.parent != null; child = child.parent) {
            Node parent = child.parent;
            if (parent.kind == Kind.GROUP && parent.whichChild >= 0 && parent.children.get(parent.whichChild) != child) {
                return false;
            }
        }
        return true;
    }

    /**
     * The children of groups that were not chosen fail with CIE, as sysmem fails the rest of the pruned subtree
     * (SetAllocationResult): their participants learn they are not needed. Nothing above them fails.
     */
    private void notChosen(Node top, List<Node> chosen) {
        Set<Node> kept = Set.copyOf(chosen);
        for (Node group : subtree(top, false, true)) {
            if (group.kind != Kind.GROUP) {
                continue;
            }
            for (Node child : List.copyOf(group.children)) {
                if (kept.contains(child)) {
                    continue;
                }
                SysmemException error = Routing.refused(child.label() + " was not chosen: shared collection " + id
                        + nameSuffix() + " was allocated with another child of its group");
                for (Node node : subtree(child, true)) {
                    node.failed = true;
                    node.failure = error;
                    node.waiters.forEach(waiter -> notifyLater(() -> waiter.completeExceptionally(error)));
                    node.waiters.clear();
                }
                group.children.remove(child);
            }
        }
    }

    private void checkFits(Node node, BufferMemorySettings settings) {
        BufferCollectionConstraints c = node.constraints;
        Routing.Aggregate own = Routing.lateParticipant(new Participant(c.memory(), c.cpuUsage()), node.debugName,
                ImageFormats.aggregate(List.of(c.imageFormats()), List.of(node.debugName)));
        String misfit = Long.compareUnsigned(settings.sizeBytes(), own.maxSize()) > 0
                        ? "its max_size_bytes " + Long.toUnsignedString(own.maxSize()) + " is below the buffers' "
                                + settings.sizeBytes()
                : c.memory().minSizeBytes() > settings.sizeBytes()
                        ? "its min_size_bytes " + c.memory().minSizeBytes() + " is above the buffers' " + settings.sizeBytes()
                : own.contiguous() && !settings.physicallyContiguous() ? "it requires contiguous buffers; these are not"
                : own.secure() != settings.secure() ? "secure_required does not match the buffers"
                : !own.domains().contains(settings.coherencyDomain())
                        ? "it does not support the buffers' " + settings.coherencyDomain() + " domain"
                : own.permitted().isPresent() && !own.permitted().get().contains(settings.heap())
                        && !own.permitted().get().contains(allocation.record.heap.id) ? "it does not permit " + settings.heap()
                : Long.compareUnsigned(own.alignment(), Math.max(settings.minPhysicalBaseAlignment(), 1)) > 0
                        ? "it needs an alignment of " + Long.toUnsignedString(own.alignment())
                : ImageFormats.misfit(image, c.imageFormats());
        if (misfit != null) {
            throw Routing.refused(node.label() + " joined late and does not fit the existing buffers: " + misfit);
        }
    }

    private void deliver(List<Node> nodes) {
        if (weakBuffers == null && nodes.stream().anyMatch(node -> node.weak)) {
            weakBuffers = new WeakBuffers(); // while the strong layers hold every buffer
        }
        for (Node node : nodes) {
            node.allocated = true;
            for (CompletableFuture<BufferCollection> waiter : node.waiters) {
                BufferCollection handles = handlesFor(node); // handed out now, told after the lock
                notifyLater(() -> waiter.complete(handles));
            }
            node.waiters.clear();
        }
    }

    /** This participant's own handles (sysmem GetClientVmoRights): WRITE only for a writer, then its token's mask. */
    private BufferCollection handlesFor(Node node) {
        Set<BufferUsage> usage = node.constraints.usage();
        List<Vmo> handles = new ArrayList<>();
        if (!(usage.size() == 1 && usage.contains(BufferUsage.NONE))) {
            EnumSet<VmoRight> rights = EnumSet.of(VmoRight.READ, VmoRight.MAP, VmoRight.DUPLICATE);
            if (usage.contains(BufferUsage.CPU_WRITE)) {
                rights.add(VmoRight.WRITE);
            }
            rights.retainAll(node.rights);
            for (int i = 0; i < allocation.record.bufferCount(); i++) {
                if (node.weak) {
                    Vmo handle = registry.handOutWeak(allocation.buffer(i), weakBuffers.layers[i],
                            node.account.owner(), rights, weakBuffers.signals[i]);
                    weakBuffers.handedOut(i, node);
                    handles.add(handle);
                } else {
                    handles.add(registry.handOut(allocation.buffer(i), allocation.handles().get(i),
                            node.account.owner(), rights));
                }
            }
        }
        ClientCollection collection = ClientCollection.of(allocation.record, handles);
        return node.weak ? new WeakCollection(collection, weakBuffers.signals) : collection;
    }

    private static List<Node> contributors(List<Node> nodes) {
        return nodes.stream().filter(node -> node.constraints != null).toList();
    }

    private Routing.Aggregate memoryAggregate(List<Node> contributors) {
        List<Participant> participants = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<List<ImageFormatConstraints>> imageFormats = new ArrayList<>();
        boolean display = false;
        for (Node node : contributors) {
            participants.add(new Participant(node.constraints.memory(), node.constraints.cpuUsage()));
            names.add(node.debugName);
            imageFormats.add(node.constraints.imageFormats());
            display |= node.constraints.usage().contains(BufferUsage.DISPLAY);
        }
        Routing.Aggregate aggregate = Routing.aggregate(participants, names, ImageFormats.aggregate(imageFormats,
                names));
        return display ? aggregate.withDisplayUsage() : aggregate;
    }

    /** Sysmem's buffer counts (AccumulateConstraintBufferCollection): camping and dedicated slack add up. */
    private record Counts(long buffers, long maxAllowed) {
        static Counts of(List<Node> contributors) {
            long camping = 0;
            long dedicated = 0;
            long shared = 0;
            long min = 0;
            long max = Integer.MAX_VALUE;
            boolean anyUse = false;
            for (Node node : contributors) {
                BufferCollectionConstraints c = node.constraints;
                if (c.usage().isEmpty()) {
                    throw Routing.refused(node.label() + " sets no usage (NONE if it never touches the buffers)");
                }
                if (c.usage().contains(BufferUsage.NONE) && c.usage().size() > 1) {
                    throw Routing.refused(node.label() + " combines NONE usage with " + c.usage());
                }
                for (int count : new int[] {c.minBufferCountForCamping(), c.minBufferCountForDedicatedSlack(),
                    c.minBufferCountForSharedSlack(), c.minBufferCount()}) {
                    if (count < 0) {
                        throw Routing.refused(node.label() + " asks for a negative buffer count " + count);
                    }
                }
                if (c.maxBufferCount() <= 0) {
                    throw Routing.refused(node.label() + " sets max_buffer_count " + c.maxBufferCount());
                }
                if (c.minBufferCount() > c.maxBufferCount()) {
                    throw Routing.refused(node.label() + " sets min_buffer_count " + c.minBufferCount()
                            + " above its max_buffer_count " + c.maxBufferCount());
                }
                anyUse |= !c.usage().contains(BufferUsage.NONE);
                camping += c.minBufferCountForCamping();
                dedicated += c.minBufferCountForDedicatedSlack();
                shared = Math.max(shared, c.minBufferCountForSharedSlack());
                min = Math.max(min, c.minBufferCount());
                max = Math.min(max, c.maxBufferCount());
            }
            if (!anyUse) {
                throw Routing.refused("no participant uses the buffers (every usage is NONE)");
            }
            long buffers = Math.max(camping + dedicated + shared, min);
            if (buffers == 0) {
                throw Routing.refused("the participants ask for 0 buffers (camping, slack and min_buffer_count are 0)");
            }
            if (buffers > max) {
                throw Routing.refused("the participants need " + buffers + " buffers (camping " + camping
                        + " + dedicated slack " + dedicated + " + shared slack " + shared + ", min_buffer_count "
                        + min + ") but max_buffer_count is " + max);
            }
            return new Counts(buffers, max);
        }
    }

    private String nameSuffix() {
        return name.isEmpty() ? "" : " '" + name + "'";
    }

    private List<Node> subtree(Node top, boolean crossAttachments) {
        return subtree(top, crossAttachments, false);
    }

    /** Breadth first; with {@code chosenOnly}, of each group only the child of the combination being tried. */
    private List<Node> subtree(Node top, boolean crossAttachments, boolean chosenOnly) {
        List<Node> nodes = new ArrayList<>();
        List<Node> queue = new ArrayList<>(List.of(top));
        while (!queue.isEmpty()) {
            Node node = queue.removeFirst();
            nodes.add(node);
            boolean choosing = chosenOnly && node.kind == Kind.GROUP && node.whichChild >= 0;
            for (Node child : choosing ? List.of(node.children.get(node.whichChild)) : node.children) {
                if (crossAttachments || !child.attached) {
                    queue.add(child);
                }
            }
        }
        return nodes;
    }

    private void setName(Node node, int priority, String newName) {
        if (newName == null || newName.length() > MAX_NAME) {
            throw misuse(node, "a name of at most " + MAX_NAME + " characters, got " + newName);
        }
        if (priority > namePriority) {
            namePriority = priority;
            name = newName;
        }
    }

    private void setDebugName(Node node, String debugName) {
        if (debugName == null || debugName.length() > MAX_DEBUG_NAME) {
            throw misuse(node, "a debug name of at most " + MAX_DEBUG_NAME + " characters, got " + debugName);
        }
        node.debugName = debugName;
        node.debugNameSet = true;
    }

    /** A participant's object closed: without release it fails its domain; the last one ends the collection. */
    private void closed(Node node, boolean wasToken) {
        openHandles--;
        node.closed |= !(wasToken && node.kind == Kind.COLLECTION);
        if (!node.failed) {
            if (!node.released && !(wasToken && node.kind == Kind.COLLECTION)) {
                fail(node, node.label() + " closed its " + (wasToken ? "token" : node.kind == Kind.GROUP ? "group"
                        : "collection") + " without " + (wasToken ? "binding or releasing it" : "releasing it")
                        + (state.equals("allocated") ? " after allocation" : " before allocation"));
            } else if (node.released && node.kind == Kind.GROUP && !node.children.isEmpty()) {
                node.allChildrenPresent = true; // still a choice among the children it made
                maybeAllocate();
            } else if (node.released) {
                node.kind = Kind.ORPHAN; // keeps its constraints (and after allocation its counts) reserved
                maybeAllocate();
            }
        }
        if (openHandles == 0 && !state.equals("failed") && !state.equals("ended")) {
            if (state.equals("allocated")) {
                end("ended", null);
            } else {
                failDownFrom(root, new SysmemException(SysmemError.UNSPECIFIED, "shared collection " + id
                        + nameSuffix() + " failed: zero clients remain"));
            }
        }
        maybeReleaseStrong();
    }

    // ---- weak VMOs (sysmem's SetWeak, close_weak_asap)

    /**
     * After allocation, once no strong node is left, the strong layers go: each buffer's close_weak_asap is given as
     * its strong layer's last child closes. The weak layers are made first if still missing, while the strong ones
     * hold every buffer, so a weak participant that joins later still gets the buffers.
     */
    private void maybeReleaseStrong() {
        if (!state.equals("allocated") || strongReleased) {
            return;
        }
        List<Node> nodes = subtree(root, true);
        if (nodes.stream().anyMatch(Node::strong)) {
            return;
        }
        if (weakBuffers == null && nodes.stream().anyMatch(node -> node.weak && !node.failed && !node.closed)) {
            weakBuffers = new WeakBuffers();
        }
        if (weakBuffers != null) {
            HeapRegistry.LOG.log(Level.DEBUG, "shared collection " + id + nameSuffix() + ": no strong node is left; "
                    + "its weak participants are told to close each buffer as its last strong VMO closes");
        }
        releaseStrong();
    }

    /** Drops the collection's strong layers, each watched until its last child (a strong VMO) is gone. */
    private void releaseStrong() {
        if (strongReleased) {
            return;
        }
        strongReleased = true;
        List<Vmo> layers = allocation.handles();
        List<CompletionStage<Void>> gone = new ArrayList<>(layers.size());
        for (Vmo layer : layers) {
            gone.add(weakBuffers == null ? null : layer.whenZeroChildren()); // asked before the layer closes
        }
        layers.forEach(Vmo::close); // sysmem drops its own references; clients keep theirs
        for (int i = 0; i < gone.size(); i++) {
            int index = i;
            if (gone.get(i) != null) {
                gone.get(i).thenRun(() -> strongGone(index));
            }
        }
    }

    /** Buffer {@code index} has no strong VMO left: its weak holders are told; with the last, the collection fails. */
    private void strongGone(int index) {
        lockedRun(() -> {
            if (weakBuffers.signal(index) && weakBuffers.allSignalled() && state.equals("allocated")) {
                failDownFrom(root, new SysmemException(SysmemError.UNSPECIFIED, "shared collection " + id
                        + nameSuffix() + " failed: no strong node or strong VMO is left"), Level.DEBUG);
            }
        });
    }

    /**
     * Runs {@code action} under this collection's lock, then what it queued for participants (notifyLater) once the
     * lock is released: every call into the collection from outside goes through here or {@link #lockedGet}.
     */
    private void lockedRun(Runnable action) {
        try {
            synchronized (this) {
                action.run();
            }
        } finally {
            notifyOutsideLock();
        }
    }

    /** As {@link #lockedRun}, for a call with a result. */
    private <T> T lockedGet(java.util.function.Supplier<T> action) {
        try {
            synchronized (this) {
                return action.get();
            }
        } finally {
            notifyOutsideLock();
        }
    }

        /** Under the lock: {@code notification} runs once the lock is released. */
    private void notifyLater(Runnable notification) {
        notifications.add(notification);
    }

    /**
     * Runs what was queued under the lock, after it is released, in the order queued (a participant's waits complete
     * in call order). A nested call, with the lock still held further out, leaves them to the outermost.
     */
    private void notifyOutsideLock() {
        if (Thread.holdsLock(this)) {
            return;
        }
        List<Runnable> due;
        synchronized (this) {
            if (notifications.isEmpty()) {
                return;
            }
            due = new ArrayList<>(notifications);
            notifications.clear();
        }
        due.forEach(Runnable::run);
    }

    /** Who got weak VMOs of each buffer of a collection: what its leak checks keep, instead of the collection. */
    private record WeakHolders(String collection, List<List<String>> byBuffer) {
    }

    /**
     * A buffer's weak VMOs still open {@link #WEAK_LEAK_REPORT} after close_weak_asap make one warning naming who got
     * them; their layer's transition to zero children (the last weak VMO closed) takes the check back.
     */
    private static final class WeakLeakCheck implements Runnable {
        private final WeakHolders holders;
        private final int index;
        private volatile boolean closed;
        private volatile Runnable cancel;

        WeakLeakCheck(WeakHolders holders, int index) {
            this.holders = holders;
            this.index = index;
        }

        void weakVmosClosed() {
            closed = true;
            Runnable pending = cancel;
            if (pending != null) {
                pending.run();
            }
        }

        void due(Runnable cancel) {
            this.cancel = cancel;
            if (closed) {
                cancel.run(); // they closed while it was being queued
            }
        }

        @Override
        public void run() {
            if (!closed) {
                HeapRegistry.LOG.log(Level.WARNING, holders.collection() + ": weak VMOs of buffer " + index
                        + " are still open " + WEAK_LEAK_REPORT.toSeconds() + " s after close_weak_asap, handed to "
                        + String.join(", ", holders.byBuffer().get(index)) + "; the buffer's memory stays until they "
                        + "are closed");
            }
        }
    }

    /**
     * Per buffer, the weak participants' parent — a second REFERENCE child of the heap's VMO beside the strong layer,
     * so the heap gets its buffer back only once both are gone — and its close_weak_asap. Guarded by the collection.
     */
    private final class WeakBuffers {
        final Vmo[] layers;
        final CompletableFuture<Void>[] signals; // completed after the lock (notifyLater); given[] says it under it
        private final boolean[] given;
        private final WeakHolders holders; // per buffer, who got a weak VMO of it
        private int signalled;

        @SuppressWarnings("unchecked")
        WeakBuffers() {
            int count = allocation.record.bufferCount();
            layers = new Vmo[count];
            signals = new CompletableFuture[count];
            given = new boolean[count];
            holders = new WeakHolders("shared collection " + id + nameSuffix(), new ArrayList<>(count));
            for (int i = 0; i < count; i++) {
                layers[i] = allocation.buffer(i).heapVmo().createReference();
                signals[i] = new CompletableFuture<>();
                holders.byBuffer().add(new ArrayList<>(1));
            }
        }

        void handedOut(int index, Node node) {
            List<String> named = holders.byBuffer().get(index);
            String label = node.label();
            if (!named.contains(label)) {
                named.add(label);
            }
        }

        /**
         * Gives buffer {@code index}'s close_weak_asap, once (false when given already), and drops the weak layer:
         * the buffer goes back as its last weak VMO closes, and no weak VMO of it is handed out any more. Weak VMOs
         * still open then are looked at again when their report is due.
         */
        boolean signal(int index) {
            if (given[index]) {
                return false;
            }
            given[index] = true;
            CompletableFuture<Void> signal = signals[index];
            notifyLater(() -> signal.complete(null));
            signalled++;
            WeakLeakCheck check = new WeakLeakCheck(holders, index);
            layers[index].onZeroChildren(check::weakVmosClosed); // before the count is read, and the layer closes
            if (layers[index].childCount() > 0) {
                check.due(registry.reportWhenDue(System.nanoTime() + WEAK_LEAK_REPORT.toNanos(), check));
            }
            layers[index].close();
            return true;
        }

        void signalAll() {
            for (int i = 0; i < signals.length; i++) {
                signal(i);
            }
        }

        boolean allSignalled() {
            return signalled == signals.length;
        }

        /** Why no more weak VMOs are handed out, or null while every buffer still has a strong VMO. */
        String closedToWeakVmos() {
            for (int i = 0; i < given.length; i++) {
                if (given[i]) {
                    return "buffer " + i + " of shared collection " + id + nameSuffix() + " has no strong VMO left: "
                            + "no weak VMO of it is handed out any more";
                }
            }
            return null;
        }
    }

    // ---- what participants hold

    /** What a token and a bound collection have in common: their node, and the calls both offer. */
    private abstract class End implements AutoCloseable {
        final Node node;
        private final boolean token;
        boolean closed;

        End(Node node, boolean token) {
            this.node = node;
            this.token = token;
            openHandles++;
            node.account.track(this);
        }

        public long collectionId() {
            return id;
        }

        public void setName(int priority, String newName) {
            lockedRun(() -> {
                checkUsable(node, token, "setName");
                LogicalCollection.this.setName(node, priority, newName);
            });
        }

        public void setDebugName(String debugName) {
            lockedRun(() -> {
                checkUsable(node, token, "setDebugName");
                LogicalCollection.this.setDebugName(node, debugName);
            });
        }

        public void release() {
            lockedRun(() -> {
                checkUsable(node, token, "release");
                node.released = true;
            });
        }

        public void setWeak() {
            lockedRun(() -> {
                checkUsable(node, token, "setWeak");
                if (!waitedFor(node)) {
                    throw misuse(node, "setWeak once the node is ready for allocation (" + (node.kind == Kind.GROUP
                            ? "after allChildrenPresent" : "after setConstraints") + ")");
                }
                node.weak = true;
            });
        }

        public void setWeakOk(boolean forChildNodesAlso) {
            lockedRun(() -> {
                checkUsable(node, token, "setWeakOk");
                if (node.waitSeen) {
                    throw misuse(node, "setWeakOk after allocated()");
                }
                node.weakOk = true;
                node.weakOkForChildren |= forChildNodesAlso;
            });
        }

        public void setVerboseLogging() {
            lockedRun(() -> {
                checkUsable(node, token, "setVerboseLogging");
                verbose = true;
            });
        }

        /** Sysmem's IsAlternateFor: the first node above both is a group (neither being it). */
        public boolean isAlternateFor(CollectionNode other) {
            return lockedGet(() -> {
                checkUsable(node, token, "isAlternateFor");
                if (other == null) {
                    throw misuse(node, "isAlternateFor needs a node, got null");
                }
                if (!(other instanceof End end) || end.collection() != LogicalCollection.this) {
                    throw new SysmemException(SysmemError.NOT_FOUND, other + " is not a node of shared collection "
                            + id);
                }
                Set<Node> above = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                for (Node up = node; up != null; up = up.parent) {
                    above.add(up);
                }
                Node common = end.node;
                while (!above.contains(common)) {
                    common = common.parent;
                }
                return common.kind == Kind.GROUP && common != node && common != end.node;
            });
        }

        private LogicalCollection collection() {
            return LogicalCollection.this;
        }

        public void setDebugTimeoutLogDeadline(Instant deadline) {
            lockedRun(() -> {
                checkUsable(node, token, "setDebugTimeoutLogDeadline");
                if (deadline == null) {
                    throw misuse(node, "setDebugTimeoutLogDeadline needs a deadline, got null");
                }
                if (stallReports == 0) {
                    Duration until = Duration.between(Instant.now(), deadline);
                    stallReportNanos = System.nanoTime() + (until.isNegative() ? 0
                            : until.compareTo(LATEST_DEADLINE) > 0 ? LATEST_DEADLINE.toNanos() : until.toNanos());
                }
            });
        }

        @Override
        public void close() {
            lockedRun(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                node.account.untrack(this);
                closed(node, token);
            });
        }
    }

    /** A token: sysmem's BufferCollectionToken. */
    private final class Token extends End implements BufferCollectionToken {
        Token(Node node) {
            super(node, true);
        }

        @Override
        public BufferCollectionToken duplicate() {
            return lockedGet(() -> {
                return duplicate(node.rights);
            });
        }

        @Override
        public BufferCollectionToken duplicate(Set<VmoRight> rights) {
            return lockedGet(() -> {
                checkUsable(node, true, "duplicate");
                Set<VmoRight> granted = narrowed(node, rights, "duplicate");
                return new Token(new Node(node, false, granted, node.account, node.debugName));
            });
        }

        @Override
        public BufferCollectionTokenGroup createGroup() {
            return lockedGet(() -> {
                checkUsable(node, true, "createGroup");
                Node group = new Node(node, false, node.rights, node.account, node.debugName);
                group.kind = Kind.GROUP;
                return new Group(group);
            });
        }

        @Override
        public void setDispensable() {
            lockedRun(() -> {
                checkUsable(node, true, "setDispensable");
                node.dispensable = true;
            });
        }

        SharedCollection bindTo(Account binder) {
            return lockedGet(() -> {
                if (closed) {
                    throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "bind of a closed token of shared "
                            + "collection " + id);
                }
                checkUsable(node, true, "bind");
                node.kind = Kind.COLLECTION;
                node.account.untrack(this);
                node.account = binder;
                if (!node.debugNameSet) {
                    node.debugName = binder.name;
                }
                closed = true; // the token's handle is gone: the collection object holds the node now
                openHandles--;
                return new Collection(node);
            });
        }

        @Override
        public String toString() {
            return "token of shared collection " + id + " for " + node.label();
        }
    }

    /** A bound participant: sysmem's BufferCollection. */
    private final class Collection extends End implements SharedCollection {
        Collection(Node node) {
            super(node, false);
        }

        @Override
        public void setConstraints(BufferCollectionConstraints constraints) {
            lockedRun(() -> {
                checkUsable(node, false, "setConstraints");
                if (constraints == null) {
                    throw misuse(node, "setConstraints needs constraints, got null");
                }
                if (node.constraints != null) {
                    throw misuse(node, "constraints set twice");
                }
                node.constraints = constraints;
                maybeAllocate();
            });
        }

        @Override
        public CompletionStage<BufferCollection> allocated() {
            return lockedGet(() -> {
                if (node.failed) {
                    return CompletableFuture.failedStage(node.failure);
                }
                checkUsable(node, false, "allocated");
                if (node.constraints == null) {
                    throw misuse(node, "allocated() before setConstraints");
                }
                if (node.weak && !node.weakOk) {
                    throw misuse(node, "a weak collection needs setWeakOk before allocated(): it must watch "
                            + "closeWeakAsap");
                }
                node.waitSeen = true;
                if (node.allocated) {
                    String closed = node.weak ? weakBuffers.closedToWeakVmos() : null;
                    return closed != null
                            ? CompletableFuture.failedStage(new SysmemException(SysmemError.UNSPECIFIED, closed))
                            : CompletableFuture.completedStage(handlesFor(node));
                }
                CompletableFuture<BufferCollection> waiter = new CompletableFuture<>();
                node.waiters.add(waiter);
                return waiter.minimalCompletionStage();
            });
        }

        @Override
        public BufferCollectionToken attachToken(Set<VmoRight> rights) {
            return lockedGet(() -> {
                checkUsable(node, false, "attachToken");
                Set<VmoRight> granted = narrowed(node, rights, "attachToken");
                return new Token(new Node(node, true, granted, node.account,
                        node.debugName + " then AttachToken()"));
            });
        }

        @Override
        public String toString() {
            return "shared collection " + id + " for " + node.label();
        }
    }

    /** A group: sysmem's BufferCollectionTokenGroup, a prioritized OR among its child tokens. */
    private final class Group extends End implements BufferCollectionTokenGroup {
        Group(Node node) {
            super(node, false);
        }

        @Override
        public BufferCollectionToken createChild() {
            return lockedGet(() -> {
                return createChild(node.rights);
            });
        }

        @Override
        public BufferCollectionToken createChild(Set<VmoRight> rights) {
            return lockedGet(() -> {
                checkOpen("createChild");
                return new Token(new Node(node, false, narrowed(node, rights, "createChild"), node.account,
                        node.debugName));
            });
        }

        @Override
        public List<BufferCollectionToken> createChildren(List<Set<VmoRight>> rights) {
            return lockedGet(() -> {
                checkOpen("createChildren");
                if (rights == null || rights.size() > MAX_CHILDREN_PER_CALL) {
                    throw misuse(node, "createChildren needs a list of at most " + MAX_CHILDREN_PER_CALL
                            + " rights sets, got " + (rights == null ? "null" : rights.size()));
                }
                List<Set<VmoRight>> granted = new ArrayList<>();
                for (Set<VmoRight> each : rights) {
                    granted.add(narrowed(node, each, "createChildren")); // all checked before any child is made
                }
                List<BufferCollectionToken> children = new ArrayList<>();
                for (Set<VmoRight> each : granted) {
                    children.add(new Token(new Node(node, false, each, node.account, node.debugName)));
                }
                return children;
            });
        }

        @Override
        public void allChildrenPresent() {
            lockedRun(() -> {
                checkOpen("allChildrenPresent");
                if (node.children.isEmpty()) {
                    throw misuse(node, "allChildrenPresent without any children");
                }
                node.allChildrenPresent = true;
                maybeAllocate();
            });
        }

        /** Usable, and still taking children (sysmem's CommonCreateChildStage1, CommonAllChildrenPresent). */
        private void checkOpen(String operation) {
            checkUsable(node, false, operation);
            if (node.allChildrenPresent) {
                throw misuse(node, operation + " after allChildrenPresent");
            }
        }

        @Override
        public String toString() {
            return "group of shared collection " + id + " for " + node.label();
        }
    }
}
