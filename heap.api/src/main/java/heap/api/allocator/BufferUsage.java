package heap.api.allocator;

/**
 * How a participant uses the buffers ({@code fuchsia.sysmem2.BufferUsage}, reduced to what a Java participant
 * can do). {@link #NONE} alone means "keeps the collection alive, never touches the buffers": it gets no handles.
 * CPU use sets the domain defaults; DISPLAY makes the RAM domain preferred; only CPU_WRITE grants WRITE.
 */
public enum BufferUsage {
    NONE, CPU_READ, CPU_WRITE, DISPLAY
}
