/**
 * For heap implementations: creating root VMOs over memory the heap owns, or inaccessible ones with no pages.
 * The heap hands out a child of a root (in one step: {@code Vmos.childOfNewRoot}), and frees its memory in the
 * root's release callback, which runs when the last child is gone. A heap bundle loads its classes as it starts
 * ({@code BundleClasses.loadAll}), so an instance left draining by an update can still free. A heap whose physical
 * addresses come from configuration, or are those of memory it mapped, claims them ({@code PhysicalRanges}), so no
 * two heaps hand out one.
 */
@Export
@Version("1.7.0")
package heap.api.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
