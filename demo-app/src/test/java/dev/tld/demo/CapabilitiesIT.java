// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.test.EnabledOnBpf;
import dev.tld.test.spring.ChildApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The capability claims of {@code docs/deploy.md}, on this machine: the packaged demo jar
 * run as {@code nobody} with every capability dropped but {@code CAP_BPF} and
 * {@code CAP_PERFMON} (no {@code CAP_SYS_ADMIN}) loads, attaches, pins and accounts
 * ({@code ACTIVE}); with none it serves and health says why.
 */
@EnabledOnBpf(bpffs = true)
class CapabilitiesIT {

	/** CAP_PERFMON (38) and CAP_BPF (39), as /proc/PID/status prints the sets. */
	private static final String BPF_AND_PERFMON = "000000c000000000";

	private static final List<String> NOBODY_WITH_BPF_AND_PERFMON = List.of("/usr/bin/setpriv", "--reuid=nobody",
			"--regid=nogroup", "--clear-groups", "--inh-caps=-all,+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon",
			"--bounding-set=-all,+bpf,+perfmon");

	private final Path pin = Path.of("/sys/fs/bpf", "tld-caps-it-" + ProcessHandle.current().pid(), "tld_data_map");

	private Path jar;

	private ChildApplication app;

	@BeforeEach
	void packagedJar() throws IOException {
		assumeTrue("root".equals(System.getProperty("user.name")), "needs root to start a process as another user");
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
		Path target = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target");
		try (Stream<Path> files = Files.list(target)) {
			this.jar = files.filter((f) -> f.getFileName().toString().matches("tld-demo-app-.*\\.jar"))
				.findFirst()
				.orElseThrow(() -> new AssertionError("no demo jar in " + target + ": the package phase makes it"));
		}
	}

	@AfterEach
	void stop() throws IOException {
		if (this.app != null) {
			this.app.close();
		}
		Files.deleteIfExists(this.pin);
		Files.deleteIfExists(this.pin.getParent());
	}

	@Test
	void nobodyWithOnlyBpfAndPerfmonIsActive() throws Exception {
		this.app = ChildApplication.startJar(NOBODY_WITH_BPF_AND_PERFMON, this.jar, "--tld.pin-path=" + this.pin);
		this.app.awaitReport()
			.jsonPath("$.state")
			.isEqualTo("ACTIVE")
			.jsonPath("$.sharedMap.status")
			.isEqualTo("ATTACHED")
			.jsonPath("$.programs")
			.value((List<String> p) -> assertThat(p).contains("tld_sched_switch", "tld_dump_task"));
		List<String> status = Files.readAllLines(Path.of("/proc", String.valueOf(this.app.process().pid()), "status"));
		assertThat(status).contains("CapEff:\t" + BPF_AND_PERFMON, "CapBnd:\t" + BPF_AND_PERFMON)
			.anyMatch((l) -> l.startsWith("Uid:\t65534\t"));
		this.app.client().get().uri("/cpu?units=20").header("X-Tenant", "acme").exchange().expectStatus().isOk();
		// BPF charged acme (the meters and the endpoint read the maps as nobody)
		AtomicLong cpu = new AtomicLong();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (cpu.get() == 0 && System.nanoTime() < deadline) {
			this.app.client()
				.get()
				.uri("/actuator/tasklocaldata")
				.exchange()
				.expectBody()
				.jsonPath("$.tenants[?(@.tenant == 'acme')].usage.cpuNanos")
				.value((List<Number> v) -> cpu.set(v.isEmpty() ? 0 : v.get(0).longValue()));
			Thread.sleep(200);
		}
		System.out.println("capabilities-it: as nobody with CAP_BPF+CAP_PERFMON, acme charged " + cpu.get()
				+ " ns of CPU; pin " + this.pin + " owned by " + Files.getOwner(this.pin));
		assertThat(cpu.get()).as("CPU time BPF charged to acme").isPositive();
		assertThat(Files.getOwner(this.pin).getName()).isEqualTo("nobody");
	}

	@Test
	void nobodyWithoutCapabilitiesServesAndHealthSaysWhy() throws Exception {
		this.app = ChildApplication.startJar(ChildApplication.AS_NOBODY, this.jar, "--tld.pin-path=" + this.pin);
		this.app.awaitReport()
			.jsonPath("$.state")
			.isEqualTo("UNAVAILABLE")
			.jsonPath("$.reason")
			.value((String reason) -> assertThat(reason).contains("lacks CAP_BPF and CAP_PERFMON"));
		this.app.client().get().uri("/cpu?units=1").header("X-Tenant", "acme").exchange().expectStatus().isOk();
		this.app.client()
			.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components.taskLocalData.status")
			.isEqualTo("UNKNOWN")
			.jsonPath("$.components.taskLocalData.details.reason")
			.value((String r) -> assertThat(r).contains("CAP_BPF"));
		assertThat(this.pin).doesNotExist();
	}

}
