/**
 * The client side of the platform ({@code fuchsia.sysmem2.Allocator}): ask the {@link heap.api.allocator.BufferAllocator}
 * service for a collection of buffers under the constraints of one or several participants.
 */
@Export
@Version("1.8.0")
package heap.api.allocator;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
