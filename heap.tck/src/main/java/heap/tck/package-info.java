/**
 * The heap conformance kit: {@link heap.tck.HeapConformance} checks that a {@link heap.api.Heap} honours the
 * contract, as JUnit 5 dynamic tests, against a heap described by a {@link heap.tck.HeapUnderTest}, or in a
 * framework against a heap service, whose bundle it also updates with a buffer held (the hot swap).
 */
@Export
@Version("1.4.0")
package heap.tck;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
