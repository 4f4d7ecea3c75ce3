package heap.api.allocator;

/** What {@link BufferAllocator#getVmoInfo} answers for a VMO the allocator handed out. */
public record VmoInfo(long bufferCollectionId, long bufferIndex) {
}
