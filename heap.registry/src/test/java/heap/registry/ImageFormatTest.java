package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import heap.api.allocator.ImageFormatConstraints;
import heap.api.allocator.PixelFormat;
import heap.api.allocator.SharedCollection;
import heap.api.vmo.VmoRight;
import heap.registry.FakeHeap.Fault;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Image formats (NEGOTIATION.md C5, C7, T3; logical_buffer_collection.cc AccumulateConstraintImageFormats and
 * AccumulateConstraintImageFormat): intersected per pixel format and modifier, combined field by field, and the
 * chosen one sizes the buffers and goes to the heap; a late participant must fit it.
 */
class ImageFormatTest extends RegistryTestSupport {
    private BufferAllocator producer;
    private BufferAllocator consumer;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void heapAndBundles() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        producer = registry.view(7, "camera", "1.0.0");
        consumer = registry.view(8, "encoder", "1.0.0");
    }

    private static ImageFormatConstraints.Builder format(PixelFormat pixelFormat, ColorSpace... spaces) {
        return ImageFormatConstraints.builder(pixelFormat).colorSpaces(spaces);
    }

    private static BufferCollectionConstraints writes(ImageFormatConstraints... formats) {
        return constraints(BufferUsage.CPU_WRITE, 1, formats);
    }

    private static BufferCollectionConstraints reads(ImageFormatConstraints... formats) {
        return constraints(BufferUsage.CPU_READ, 0, formats);
    }

    /** No memory size: the image formats alone say how big the buffers are. */
    private static BufferCollectionConstraints constraints(BufferUsage usage, int camping,
            ImageFormatConstraints... formats) {
        BufferCollectionConstraints.Builder builder = BufferCollectionConstraints.builder().usage(usage)
                .minBufferCountForCamping(camping);
        for (ImageFormatConstraints format : formats) {
            builder.imageFormat(format);
        }
        return builder.build();
    }

    /** The producer and the consumer negotiate: the producer's buffers, or the failure both see. */
    private BufferCollection negotiate(BufferCollectionConstraints mine, BufferCollectionConstraints theirs)
            throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate();
        SharedCollection produced = keep(producer.bind(token));
        SharedCollection consumed = keep(consumer.bind(forConsumer));
        produced.setConstraints(mine);
        consumed.setConstraints(theirs);
        keep(now(consumed.allocated()));
        return keep(now(produced.allocated()));
    }

    private SysmemException refused(BufferCollectionConstraints mine, BufferCollectionConstraints theirs) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> negotiate(mine, theirs));
        return (SysmemException) e.getCause();
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(0, closeable);
        return closeable;
    }

    private static BufferCollection now(CompletionStage<BufferCollection> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void closeAll() throws Exception {
        releaseAndClose(open);
    }

    @Test
    void theFirstFormatBothAcceptIsChosenAndItsImageSizesTheBuffersAndGoesToTheHeap() throws Exception {
        BufferCollection buffers = negotiate(
                writes(format(PixelFormat.NV12, ColorSpace.REC709).minSize(640, 480).build(),
                        format(PixelFormat.R8G8B8A8, ColorSpace.SRGB).minSize(640, 480).build()),
                reads(format(PixelFormat.R8G8B8A8, ColorSpace.SRGB).build()));
        assertEquals(Map.of("pixel_format", "R8G8B8A8", "pixel_format_modifier", "0", "color_space", "SRGB",
                "width", "640", "height", "480", "bytes_per_row", "2560"),
                buffers.settings().imageFormatConstraints(), "the heap is told the format, as SingleBufferSettings");
        assertEquals(640 * 4 * 480, buffers.settings().bufferSettings().sizeBytes(),
                "no participant set min_size_bytes: the image's bytes are the size (C7)");
    }

    @Test
    void fieldsCombineAsSysmemDoesTheLargerMinimumTheColorSpacesInCommonAndTheRowDivisorsLcm() throws Exception {
        BufferCollection buffers = negotiate(
                writes(format(PixelFormat.NV12, ColorSpace.REC709, ColorSpace.REC601_NTSC).minSize(100, 64)
                        .bytesPerRowDivisor(64).build()),
                reads(format(PixelFormat.NV12, ColorSpace.REC601_NTSC).minSize(96, 72).bytesPerRowDivisor(48).build()));
        Map<String, String> image = buffers.settings().imageFormatConstraints();
        assertEquals("REC601_NTSC", image.get("color_space"));
        assertEquals("100", image.get("width"));
        assertEquals("72", image.get("height"));
        assertEquals("192", image.get("bytes_per_row"), "100 bytes rounded up to lcm(64, 48) = 192");
        assertEquals(192 * 72 * 3 / 2, buffers.settings().bufferSettings().sizeBytes(), "NV12: the chroma plane adds half");
    }

    @Test
    void aFormatWhoseCombinationIsEmptyIsDroppedAndTheNextOneTaken() throws Exception {
        BufferCollection buffers = negotiate(
                writes(format(PixelFormat.NV12, ColorSpace.REC709).minSize(64, 64).build(),
                        format(PixelFormat.B8G8R8A8, ColorSpace.SRGB).minSize(64, 64).build()),
                reads(format(PixelFormat.NV12, ColorSpace.REC2020).build(), // no color space in common
                        format(PixelFormat.B8G8R8A8, ColorSpace.SRGB).maxSize(128, 128).build()));
        assertEquals("B8G8R8A8", buffers.settings().imageFormatConstraints().get("pixel_format"));
    }

    @Test
    void noFormatInCommonIsConstraintsIntersectionEmptyForEveryone() {
        SysmemException e = refused(writes(format(PixelFormat.NV12, ColorSpace.REC709).minSize(64, 64).build()),
                reads(format(PixelFormat.R8G8B8A8, ColorSpace.SRGB).build(),
                        format(PixelFormat.NV12, ColorSpace.REC709).maxSize(32, 32).build())); // too small
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, e.error());
        assertTrue(e.getMessage().contains("no image format is accepted by every participant"), e.getMessage());
    }

    @Test
    void badImageFormatContentIsRefusedAtAggregationNamingIt() {
        ImageFormatConstraints noColorSpace = ImageFormatConstraints.builder(PixelFormat.L8).minSize(8, 8).build();
        SysmemException e = refused(writes(noColorSpace), reads());
        assertTrue(e.getMessage().contains("image format L8 of participant 'camera 1.0.0 [7]' lists no color space"),
                e.getMessage());
        List<ImageFormatConstraints> many = new ArrayList<>();
        for (int i = 0; i < ImageFormats.MAX_FORMATS + 1; i++) {
            many.add(format(PixelFormat.L8, ColorSpace.SRGB).pixelFormatModifier(i).minSize(8, 8).build());
        }
        SysmemException tooMany = refused(writes(many.toArray(ImageFormatConstraints[]::new)), reads());
        assertTrue(tooMany.getMessage().contains("lists 65 image formats, above the limit of 64"),
                tooMany.getMessage());
        SysmemException zeroDivisor = refused(writes(format(PixelFormat.L8, ColorSpace.SRGB).minSize(8, 8)
                .bytesPerRowDivisor(0).build()), reads());
        assertTrue(zeroDivisor.getMessage().contains("bytes_per_row_divisor 0"), zeroDivisor.getMessage());
        SysmemException huge = refused(writes(format(PixelFormat.R8G8B8A8, ColorSpace.SRGB)
                .minSize(Integer.MAX_VALUE, Integer.MAX_VALUE).build()), reads());
        assertTrue(huge.getMessage().contains("needs more than 2^63 bytes"), huge.getMessage());
        SysmemException aboveLimit = refused(writes(format(PixelFormat.L8, ColorSpace.SRGB).minSize(65536, 65536)
                .build()), reads());
        assertTrue(aboveLimit.getMessage().contains("above the limit"), aboveLimit.getMessage());
    }

    /** T3: a late participant must accept the format the buffers have; one that does not fails alone. */
    @Test
    void aLateParticipantJoinsOnlyIfOneOfItsFormatsFitsTheBuffers() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection produced = keep(producer.bind(token));
        produced.setConstraints(writes(format(PixelFormat.NV12, ColorSpace.REC709).minSize(640, 480).build()));
        keep(now(produced.allocated()));

        SharedCollection fits = keep(consumer.bind(produced.attachToken(EnumSet.allOf(VmoRight.class))));
        fits.setConstraints(reads(format(PixelFormat.R8G8B8A8, ColorSpace.SRGB).build(),
                format(PixelFormat.NV12, ColorSpace.REC709, ColorSpace.REC2020).maxSize(1920, 1080).build()));
        keep(now(fits.allocated()));

        SharedCollection tooSmall = keep(consumer.bind(produced.attachToken(EnumSet.allOf(VmoRight.class))));
        tooSmall.setConstraints(reads(format(PixelFormat.NV12, ColorSpace.REC709).maxSize(320, 240).build()));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> now(tooSmall.allocated()));
        assertTrue(e.getCause().getMessage().contains("none of its image formats fits the buffers' NV12 640x480 "
                + "in REC709"), e.getCause().getMessage());
        assertEquals("allocated", registry.negotiations().getFirst().state(), "the others are untouched");
        assertTrue(registry.negotiations().getFirst().aggregated().endsWith(", NV12 640x480 REC709"),
                registry.negotiations().getFirst().aggregated());
    }

    @Test
    void aLateParticipantThatNeedsAnImageFormatFailsAloneOnBuffersWithout() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection produced = keep(producer.bind(token));
        produced.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_WRITE)
                .memory(size(PAGE).build()).minBufferCountForCamping(1).build());
        BufferCollection buffers = keep(now(produced.allocated()));
        assertEquals(Map.of(), buffers.settings().imageFormatConstraints(), "no participant listed a format");

        SharedCollection late = keep(consumer.bind(produced.attachToken(EnumSet.allOf(VmoRight.class))));
        late.setConstraints(reads(format(PixelFormat.L8, ColorSpace.SRGB).build()));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> now(late.allocated()));
        assertTrue(e.getCause().getMessage().contains("it needs an image format and the buffers have none"),
                e.getCause().getMessage());
    }
}
