package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.shell.DeployFolder.ConfigFile;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** Which files in deploy/ the console waits for and which it warns about (SCR a {@link StandInScr}). */
class DeployFolderTest {
    private final StandInScr scr = new StandInScr();

    /** A bundle context under which no service has a {@code service.pid}: nothing but SCR's components takes a file. */
    private static final BundleContext NO_MANAGED_SERVICES = (BundleContext) Proxy.newProxyInstance(
            DeployFolderTest.class.getClassLoader(), new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                if (method.getName().equals("getServiceReferences")) {
                    return null;
                }
                throw new UnsupportedOperationException(method.getName());
            });

    @Test
    void aFactoryFileOfAComponentWithTheOptionalPolicyIsTakenAndWaitedForUntilInEffect() {
        ComponentDescriptionDTO secure = scr.component("heap.secure", "heap.secure", "optional",
                ComponentConfigurationDTO.ACTIVE);
        List<ConfigFile> files = List.of(ConfigFile.of("heap.secure-two.cfg"));
        assertEquals(List.of(), DeployFolder.unused(files, scr, NO_MANAGED_SERVICES),
                "SCR configures the secure heap with it (seen with ./platform: PID(s): [heap.secure~two])");
        assertFalse(DeployFolder.inEffect(files, scr, java.util.Set.of()), "the running instance is not the file's yet");

        ComponentConfigurationDTO running = scr.getComponentConfigurationDTOs(secure).iterator().next();
        running.properties = Map.of("felix.fileinstall.filename", "file:/work/deploy/heap.secure-two.cfg");
        assertTrue(DeployFolder.inEffect(files, scr, java.util.Set.of()), "a component with no service runs with the file");
    }

    @Test
    void aQuotaFileIsInEffectOnceTheRegistryListsItsConfigurationInForceOrRefused() {
        List<ConfigFile> files = List.of(ConfigFile.of("heap.quota-camera.cfg"));
        assertEquals("heap.quota~camera", files.get(0).factoryConfigurationPid());
        assertFalse(DeployFolder.inEffect(files, scr, java.util.Set.of("heap.quota~other")), "not delivered yet");
        assertTrue(DeployFolder.inEffect(files, scr, java.util.Set.of("heap.quota~camera")));
        assertTrue(DeployFolder.inEffect(files, scr, null), "no registry: nothing that could take it to wait for");
    }

    @Test
    void aJarInDeployThatIsNotABundleIsTakenOnlyToNameWhyAndABundleIsLeftToFileInstall(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path deploy) throws Exception {
        java.nio.file.Path truncated = java.nio.file.Files.writeString(deploy.resolve("truncated.jar"), "not a jar");
        java.nio.file.Path library = writeJar(deploy.resolve("library.jar"), null);
        java.nio.file.Path bundle = writeJar(deploy.resolve("heap.example.jar"), "heap.example");
        assertEquals("has no Bundle-SymbolicName in its manifest, so it is not an OSGi bundle",
                DeployFolder.whyNotABundle(library.toFile()));
        assertTrue(DeployFolder.whyNotABundle(truncated.toFile()).startsWith("is not a jar ("));
        assertEquals(null, DeployFolder.whyNotABundle(bundle.toFile()));
        NotABundle installer = new NotABundle();
        assertTrue(installer.canHandle(truncated.toFile()) && installer.canHandle(library.toFile()));
        assertFalse(installer.canHandle(bundle.toFile()), "FileInstall's own installer takes a bundle");
        assertFalse(installer.canHandle(java.nio.file.Files.writeString(deploy.resolve("notes.txt"), "x").toFile()));
    }

    private static java.nio.file.Path writeJar(java.nio.file.Path path, String symbolicName) throws java.io.IOException {
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        }
        try (var out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(path), manifest)) {
            out.flush();
        }
        return path;
    }

    @Test
    void aFileNoComponentTakesIsWarnedAboutAndTheDashIsExplained() {
        scr.component("heap.system-ram", "heap.systemram", "optional", ComponentConfigurationDTO.ACTIVE);
        scr.component("heap.webconsole", "quiet", "ignore", ComponentConfigurationDTO.ACTIVE);
        List<ConfigFile> files = List.of(ConfigFile.of("heap.system-ram.cfg"),
                ConfigFile.of("quiet.cfg"));
        assertEquals(List.of("deploy/heap.system-ram.cfg configures factory PID heap.system, which nothing here takes "
                        + "(a '-' in the name makes a factory configuration: PIDs here have no '-')",
                "deploy/quiet.cfg configures PID quiet, which nothing here takes"),
                DeployFolder.unused(files, scr, NO_MANAGED_SERVICES), "a component that ignores configuration takes none");
        assertTrue(DeployFolder.inEffect(files, scr, java.util.Set.of()), "a file nothing takes is not waited for");
    }

    /** Seen with ./platform: heap.secure.cfg beside heap.secure-a.cfg changed nothing, and the console waited 10 s for it. */
    @Test
    void aFileOfAComponentsPidBesideFactoryFilesOfItIsWarnedAboutAndNotWaitedFor() {
        ComponentDescriptionDTO secure = scr.component("heap.secure", "heap.secure", "optional",
                ComponentConfigurationDTO.ACTIVE);
        List<ConfigFile> files = List.of(ConfigFile.of("heap.secure.cfg"), ConfigFile.of("heap.secure-a.cfg"));
        assertEquals(List.of("deploy/heap.secure.cfg is not used: heap.secure runs one instance per factory file "
                + "(heap.secure-a.cfg), and SCR then takes no configuration of the PID itself; put its keys in those files"),
                DeployFolder.unused(files, scr, NO_MANAGED_SERVICES));
        ComponentConfigurationDTO running = scr.getComponentConfigurationDTOs(secure).iterator().next();
        running.properties = Map.of("felix.fileinstall.filename", "file:/work/deploy/heap.secure-a.cfg");
        assertTrue(DeployFolder.inEffect(files, scr, java.util.Set.of()), "the factory file is in effect; the other never will be");
        assertEquals(List.of(), DeployFolder.unused(List.of(ConfigFile.of("heap.secure.cfg")), scr, NO_MANAGED_SERVICES),
                "alone, the PID's own file configures the one instance");
    }
}
