package heap.shell;

import java.io.PrintWriter;
import org.apache.felix.inventory.Format;
import org.apache.felix.inventory.InventoryPrinter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The heaps in the Web Console's Status pages (Status → Heaps, {@code /system/console/status-heaps.txt} and
 * {@code .json}) and in its "Download Full Zip", which an operator attaches to a support request: the shell's own
 * views, including which collections the shell holds.
 */
@Component(property = {InventoryPrinter.NAME + "=heaps", InventoryPrinter.TITLE + "=Heaps",
        InventoryPrinter.FORMAT + "=TEXT", InventoryPrinter.FORMAT + "=JSON"})
public class HeapInventory implements InventoryPrinter {
    private final HeapCommands commands;

    @Activate
    public HeapInventory(@Reference HeapCommands commands) {
        this.commands = commands;
    }

    @Override
    public void print(PrintWriter out, Format format, boolean isZip) {
        out.print(commands.inventory(format == Format.JSON));
    }
}
