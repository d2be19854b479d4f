// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.tld.core.KernelSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/demo.sh} itself, in short mode, against the jar this build just packaged
 * (the integration-test phase runs after package): it prints the summary, draws the
 * picture, exits 0, and leaves neither the application nor its pin behind. On a host
 * without BPF the demo still runs and says why nothing was measured.
 */
class DemoScriptIT {

	@Test
	void demoScriptPrintsTheSummaryDrawsThePictureAndStopsTheApp() throws Exception {
		Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
		Path root = module.getParent();
		Path out = module.resolve("target/demo-it");
		Path pin = Path.of("/sys/fs/bpf", "tld-demo-it-" + ProcessHandle.current().pid(), "tld_data_map");
		ProcessBuilder pb = new ProcessBuilder("bash", "scripts/demo.sh").directory(root.toFile())
			.redirectErrorStream(true)
			.redirectOutput(module.resolve("target/demo-it.log").toFile());
		pb.environment().put("DEMO_SECONDS", "5");
		pb.environment().put("DEMO_BUILD", "0");
		pb.environment().put("DEMO_OUT", out.toString());
		pb.environment().put("DEMO_PIN_PATH", pin.toString());
		pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
		Process p = pb.start();
		assertTrue(p.waitFor(180, TimeUnit.SECONDS), "demo.sh finished within 3 minutes");
		String printed = Files.readString(module.resolve("target/demo-it.log"), StandardCharsets.UTF_8);
		System.out.print(printed);
		assertEquals(0, p.exitValue(), printed);

		assertTrue(printed.contains("=== Task local data demo: "), printed);
		for (TenantPlan t : TenantPlan.DEFAULT) {
			assertTrue(printed.lines().anyMatch((l) -> l.startsWith(t.tenant() + " ") && l.contains(" | ")),
					t.tenant() + ":\n" + printed);
		}
		assertTrue(printed.contains("picture: " + out.resolve("tenants.svg")), printed);
		assertTrue(Files.readString(out.resolve("tenants.svg")).startsWith("<svg"));
		assertTrue(Files.readString(out.resolve("summary.txt")).contains("Attribution: "));

		long pid = Long.parseLong(Files.readString(out.resolve("app.pid")).trim());
		Optional<ProcessHandle> app = ProcessHandle.of(pid);
		assertFalse(app.isPresent() && app.get().isAlive(), "the app (pid " + pid + ") was stopped");
		assertTrue(printed.contains("demo: stopped the app (pid " + pid + ")"), printed);
		assertFalse(Files.exists(pin), "the pin was removed");
		assertFalse(Files.exists(pin.getParent()), "the pin's folder was removed");

		KernelSupport.Report bpf = KernelSupport.probe();
		if (bpf.available() && Files.isWritable(Path.of("/sys/fs/bpf"))) {
			assertTrue(printed.contains("BPF        ACTIVE"), printed);
		}
		else {
			assertTrue(printed.contains("nothing is measured"), printed);
		}
	}

}
