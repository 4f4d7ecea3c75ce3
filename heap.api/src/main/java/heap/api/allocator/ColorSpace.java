package heap.api.allocator;

/** Color spaces an image format may be in (sysmem's ColorSpaceType). @since 1.8 */
public enum ColorSpace {
    SRGB,
    REC601_NTSC,
    REC601_NTSC_FULL_RANGE,
    REC601_PAL,
    REC601_PAL_FULL_RANGE,
    REC709,
    REC2020,
    REC2100,
    PASS_THROUGH
}
