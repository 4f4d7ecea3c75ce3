package heap.registry;

import heap.api.HeapId;
import heap.api.allocator.QuotaStatus;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A limit on what bundles whose symbolic name matches {@code bundleGlob} ({@code *} and {@code ?}) may hold, on
 * one heap type or on all; a limit of -1 is none. Each matching bundle is limited on its own.
 */
final class Quota {
    private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9_.\\-*?]+");

    private final String pid;
    private final String bundleGlob;
    private final Optional<String> heapType;
    private final long maxBytes;
    private final long maxBuffers;
    private final Pattern bundles;
    /** A heap type given as its last part alone ({@code system-ram}), as types write it; else null. */
    private final String lastPart;

    Quota(String pid, String bundleGlob, Optional<String> heapType, long maxBytes, long maxBuffers) {
        if (!GLOB.matcher(bundleGlob).matches()) {
            throw new IllegalArgumentException("bundle=" + bundleGlob + " is not a glob of a bundle symbolic name "
                    + "(letters, digits, '_', '-', '.', '*', '?')");
        }
        if (maxBytes < -1) {
            throw new IllegalArgumentException("max.bytes=" + maxBytes + " is negative (-1 or absent: no limit)");
        }
        if (maxBuffers < -1) {
            throw new IllegalArgumentException("max.buffers=" + maxBuffers + " is negative (-1 or absent: no limit)");
        }
        if (maxBytes == -1 && maxBuffers == -1) {
            throw new IllegalArgumentException("neither max.bytes nor max.buffers is set: the quota limits nothing");
        }
        this.pid = pid;
        this.bundleGlob = bundleGlob;
        this.heapType = heapType;
        this.maxBytes = maxBytes;
        this.maxBuffers = maxBuffers;
        this.lastPart = heapType.filter(type -> type.indexOf('.') < 0).map(type -> type.replace('-', '_'))
                .orElse(null);
        this.bundles = Pattern.compile(bundleGlob.replace(".", "\\.").replace("*", ".*").replace("?", "."));
    }

    String pid() {
        return pid;
    }

    Optional<String> heapType() {
        return heapType;
    }

    boolean matches(String symbolicName, HeapId heap) {
        return covers(heap) && matchesBundle(symbolicName);
    }

    /**
     * Every heap, or those of its heap type: as registered, or (a name without a '.') the type's last part in any
     * case, '-' for '_' — {@code secure} and {@code system-ram}, as the shell names them, must not limit nothing.
     */
    boolean covers(HeapId heap) {
        if (heapType.isEmpty()) {
            return true;
        }
        String type = heap.heapType();
        if (lastPart == null) {
            return heapType.get().equals(type);
        }
        int start = type.lastIndexOf('.') + 1; // compared in place: this runs on every allocation a quota applies to
        return type.length() - start == lastPart.length()
                && type.regionMatches(true, start, lastPart, 0, lastPart.length());
    }

    boolean matchesBundle(String symbolicName) {
        return bundles.matcher(symbolicName).matches();
    }

    QuotaStatus status(List<String> limitedBundles, String refusal, List<HeapId> listedHeaps) {
        List<String> covered = listedHeaps.stream().filter(this::covers).map(HeapId::toString).toList();
        return new QuotaStatus(pid, bundleGlob, heapType.orElse(null), maxBytes, maxBuffers, limitedBundles, refusal,
                covered);
    }

    /** Why a request of {@code bytes} in {@code buffers} more is refused, or null when it fits. */
    String refusal(long heldBytes, long heldBuffers, long bytes, int buffers) {
        boolean bytesOver = maxBytes >= 0 && heldBytes + bytes > maxBytes;
        boolean buffersOver = maxBuffers >= 0 && heldBuffers + buffers > maxBuffers;
        if (!bytesOver && !buffersOver) {
            return null;
        }
        return this + " allows " + (bytesOver ? maxBytes + " bytes" : HeapRegistry.buffers(maxBuffers))
                + ": the bundle holds " + heldBytes + " bytes in " + HeapRegistry.buffers(heldBuffers)
                + " and asked for " + bytes + " bytes in " + buffers + " more";
    }

    @Override
    public String toString() {
        return "quota " + pid + " (bundle=" + bundleGlob + heapType.map(type -> ", heap.type=" + type).orElse("")
                + ", max.bytes=" + maxBytes + ", max.buffers=" + maxBuffers + ")";
    }
}
