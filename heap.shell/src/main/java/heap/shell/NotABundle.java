package heap.shell;

import java.io.File;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.service.component.annotations.Component;

/**
 * Takes the jars in {@code deploy/} that are not bundles, only to say so: FileInstall leaves a file no installer can
 * handle alone without a word, and an operator who dropped in a truncated copy or a plain library jar would wait
 * for a heap that never comes. One WARNING when such a file appears or changes; once it is a bundle, FileInstall
 * hands it back to its own bundle installer.
 */
@Component(service = ArtifactInstaller.class)
public class NotABundle implements ArtifactInstaller {
    private static final System.Logger LOG = System.getLogger("heap.shell");

    @Override
    public boolean canHandle(File artifact) {
        return artifact.getName().endsWith(".jar") && DeployFolder.whyNotABundle(artifact) != null;
    }

    @Override
    public void install(File artifact) {
        warn(artifact);
    }

    @Override
    public void update(File artifact) {
        warn(artifact);
    }

    @Override
    public void uninstall(File artifact) {
    }

    private static void warn(File artifact) {
        String why = DeployFolder.whyNotABundle(artifact);
        if (why != null) {
            LOG.log(System.Logger.Level.WARNING, "deploy/" + artifact.getName() + " " + why + ": nothing installs it");
        }
    }
}
