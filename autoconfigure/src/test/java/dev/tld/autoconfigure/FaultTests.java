// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.ClassPathResource;

import dev.tld.core.BpfObject;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.health.TaskLocalDataHealthIndicator;
import dev.tld.test.BpfPins;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Faults the starter must survive with a clear message and a running application: virtual
 * threads (where Spring Boot uses them: Java 21+), BPF objects missing from the
 * classpath, a data map that does not pin UPTRs (what a kernel without UPTR support
 * creates), and who may write the pinned map.
 */
class FaultTests {

	private static final Path PIN = BpfPins.dataMap("tld-fault");

	private static final Path PIN_DIR = PIN.getParent();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class))
		.withPropertyValues("tld.tracing.enabled=false", "tld.pin-path=");

	@AfterEach
	void unpin() throws IOException {
		BpfPins.remove(PIN);
	}

	@Test
	@EnabledOnBpf
	@EnabledForJreRange(max = JRE.JAVA_20)
	void beforeJava21TheVirtualThreadsPropertyIsIgnoredAsBootIgnoresIt() {
		// Spring Boot runs requests on platform threads there, whatever the property says
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
			assertThat(runtime.taskLocalData()).isNotNull();
		});
	}

	@Test
	@EnabledOnBpf
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualThreadsAreRefusedClearly() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			assertThat(context).hasNotFailed();
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.state()).isEqualTo(TaskLocalDataRuntime.State.UNAVAILABLE);
			assertThat(runtime.reason()).contains("virtual threads").contains("per OS thread");
			assertThat(runtime.taskLocalData()).as("nothing is published").isNull();
			assertThat(new TaskLocalDataHealthIndicator(runtime).health().getDetails().get("reason").toString())
				.contains("virtual threads");
		});
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true", "tld.fail-fast=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("virtual threads"));
	}

	@Test
	@EnabledOnBpf
	void bpfObjectsMissingFromTheClasspath() {
		this.runner.withClassLoader(new FilteredClassLoader(new ClassPathResource("dev/tld/bpf/tld_trace.bpf.o")))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
				assertThat(runtime.state()).isEqualTo(TaskLocalDataRuntime.State.FAILED);
				assertThat(runtime.reason()).contains("tld_trace.bpf.o is not on the classpath");
			});
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void aPinnedMapWithoutUptrIsRefusedAsTheSharedMapAndTheServiceRunsOnItsOwn() {
		// A tld_data_map of the right shape whose value type has no uptr tag (tld-core's
		// test object tld_nouptr), pinned where the starter looks: what a kernel without
		// UPTR makes of the real map. The starter's programs never read the pin; the
		// shared map is refused before any thread registers with it.
		try (BpfObject plain = BpfObject.openResource("/bpf/tld_nouptr.bpf.o")) {
			plain.pinMap("tld_data_map", PIN);
			plain.load();
			this.runner.withPropertyValues("tld.pin-path=" + PIN).run((context) -> {
				assertThat(context).hasNotFailed();
				TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
				assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
				assertThat(runtime.sharedMap().status()).isEqualTo(TaskLocalDataRuntime.SharedMap.Status.FAILED);
				assertThat(runtime.sharedMap().reason()).contains("keeps the block addresses as plain numbers");
				assertThat(runtime.taskLocalData().maps()).hasSize(1);
				assertThat(new TaskLocalDataHealthIndicator(runtime).health().getDetails().get("sharedMap").toString())
					.contains("FAILED")
					.contains("plain numbers");
			});
			assertThat(PIN).as("someone else's pin is left alone").exists();
		}
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void thePinIsPrivateToRootAndAnUnprivilegedProcessCannotWriteIt() throws Exception {
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
		this.runner.withPropertyValues("tld.pin-path=" + PIN).run((context) -> {
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
			assertThat(Files.getOwner(PIN, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo("root");
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(PIN))).isEqualTo("rw-------");
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(PIN_DIR))).isEqualTo("rwx------");
			// nobody, without capabilities, tries to read and to delete an element of the
			// map
			String out = runAs("nobody", "bpftool", "map", "delete", "pinned", PIN.toString(), "key", "0", "0", "0",
					"0");
			assertThat(out).containsAnyOf("Permission denied", "Operation not permitted");
			assertThat(runtime.dataMapId()).isPositive();
		});
	}

	/**
	 * Run a command as an unprivileged user with no capabilities; it is expected to fail.
	 */
	private static String runAs(String user, String... command) throws Exception {
		List<String> full = new java.util.ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + user, "--regid=nogroup",
				"--clear-groups", "--inh-caps=-all", "--bounding-set=-all"));
		full.addAll(List.of(command));
		Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as("must fail: " + out).isNotZero();
		return out;
	}

}
