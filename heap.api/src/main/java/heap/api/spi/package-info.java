/**
 * For heap implementations: creating root VMOs over memory the heap owns, or inaccessible ones with no pages.
 * The heap keeps the root, hands out a child, and frees its memory in the release callback.
 */
@Export
@Version("1.2.0")
package heap.api.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
