package heap.api.allocator;

import heap.api.BufferMemoryConstraints;
import heap.api.internal.Require;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One participant's constraints on a shared collection ({@code fuchsia.sysmem2.BufferCollectionConstraints}):
 * its usage, the buffers it needs (camping: held at once; dedicated slack: extra for it alone; shared slack:
 * extra anyone may use; a minimum and a maximum count) and its memory constraints. Counts are not checked here:
 * as in sysmem, bad content is found at aggregation and reported to every participant as
 * CONSTRAINTS_INTERSECTION_EMPTY. {@code maxBufferCount} {@link Integer#MAX_VALUE} means unbounded.
 * {@code imageFormats}, in the participant's order of preference, are the image formats it accepts (none: any, or
 * no image; since 1.8).
 */
public record BufferCollectionConstraints(Set<BufferUsage> usage, int minBufferCountForCamping,
        int minBufferCountForDedicatedSlack, int minBufferCountForSharedSlack, int minBufferCount,
        int maxBufferCount, BufferMemoryConstraints memory, List<ImageFormatConstraints> imageFormats) {

    public BufferCollectionConstraints {
        usage = Set.copyOf(Require.elements(usage, "usage"));
        Require.field(memory, "memory");
        imageFormats = List.copyOf(Require.elements(imageFormats, "imageFormats"));
    }

    /** Without image formats (the constructor before 1.8). */
    public BufferCollectionConstraints(Set<BufferUsage> usage, int minBufferCountForCamping,
            int minBufferCountForDedicatedSlack, int minBufferCountForSharedSlack, int minBufferCount,
            int maxBufferCount, BufferMemoryConstraints memory) {
        this(usage, minBufferCountForCamping, minBufferCountForDedicatedSlack, minBufferCountForSharedSlack,
                minBufferCount, maxBufferCount, memory, List.of());
    }

    /** True when the participant touches the buffers with the CPU. */
    public boolean cpuUsage() {
        return usage.contains(BufferUsage.CPU_READ) || usage.contains(BufferUsage.CPU_WRITE);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Set<BufferUsage> usage = EnumSet.noneOf(BufferUsage.class);
        private int camping;
        private int dedicatedSlack;
        private int sharedSlack;
        private int minCount;
        private int maxCount = Integer.MAX_VALUE;
        private BufferMemoryConstraints memory = BufferMemoryConstraints.none();
        private final List<ImageFormatConstraints> imageFormats = new ArrayList<>();

        public Builder usage(BufferUsage... usages) {
            usage.addAll(Set.of(usages));
            return this;
        }

        public Builder minBufferCountForCamping(int count) {
            this.camping = count;
            return this;
        }

        public Builder minBufferCountForDedicatedSlack(int count) {
            this.dedicatedSlack = count;
            return this;
        }

        public Builder minBufferCountForSharedSlack(int count) {
            this.sharedSlack = count;
            return this;
        }

        public Builder minBufferCount(int count) {
            this.minCount = count;
            return this;
        }

        public Builder maxBufferCount(int count) {
            this.maxCount = count;
            return this;
        }

        public Builder memory(BufferMemoryConstraints memory) {
            this.memory = memory;
            return this;
        }

        /** One more image format the participant accepts, after those added before it (its preference order). */
        public Builder imageFormat(ImageFormatConstraints format) {
            imageFormats.add(format);
            return this;
        }

        public BufferCollectionConstraints build() {
            return new BufferCollectionConstraints(usage, camping, dedicatedSlack, sharedSlack, minCount, maxCount,
                    memory, imageFormats);
        }
    }
}
