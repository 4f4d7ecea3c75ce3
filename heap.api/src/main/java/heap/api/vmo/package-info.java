/**
 * The VMO object model ({@code zx.Handle:<VMO>}): memory objects, handles with rights, SLICE and REFERENCE
 * children, mappings and the ZERO_CHILDREN signal.
 */
@Export
@Version("1.0.0")
package heap.api.vmo;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
