/**
 * The heap contract ({@code fuchsia.sysmem2.Heap}): the {@link heap.api.Heap} service a heap bundle
 * provides, its {@link heap.api.HeapProperties}, and the buffer settings and constraints around it.
 */
@Export
@Version("1.5.0")
package heap.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
