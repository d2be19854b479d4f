// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.tld.autoconfigure.actuate.endpoint.TaskLocalDataEndpointAutoConfiguration;
import dev.tld.autoconfigure.actuate.health.TaskLocalDataHealthContributorAutoConfiguration;
import dev.tld.core.KernelSupport;
import dev.tld.core.PinPath;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.spring.actuate.health.TaskLocalDataHealthIndicator;
import dev.tld.test.BpfPins;
import dev.tld.test.EnabledOnBpf;
import dev.tld.test.SharedMapTool;
import dev.tld.test.spring.ChildApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The attacks on the shared pin, each made by {@code nobody} without any capability
 * before the service (root, this JVM) starts: a directory planted at the pin path, a
 * symbolic link planted there pointing at another service's pin directory, a pin
 * directory of another user, a pin directory whose mode lets others in, a pin outside
 * bpffs, a path with {@code ..}. Each time the service refuses the shared map, says why
 * in health (UP: its own accounting runs) and the endpoint, accounts on its own map,
 * touches nothing of the attacker's or the other service's, and leaves nothing behind.
 * Last, what the pin's file mode is worth: {@code nobody} cannot open a private pin, and
 * can forge elements in one whose mode lets it.
 */
@EnabledOnBpf(bpffs = true)
class PinAttackTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataEndpointAutoConfiguration.class, TaskLocalDataHealthContributorAutoConfiguration.class))
		.withPropertyValues("tld.tracing.enabled=false", "management.endpoints.web.exposure.include=tasklocaldata");

	private final List<Path> cleanup = new ArrayList<>();

	@BeforeEach
	void needsSetpriv() {
		assumeTrue("root".equals(System.getProperty("user.name")), "needs root to act as nobody");
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
	}

	@AfterEach
	void clean() throws IOException {
		for (Path p : this.cleanup) {
			if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
				continue;
			}
			if (Files.isSymbolicLink(p) || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
				Files.delete(p);
				continue;
			}
			try (Stream<Path> s = Files.walk(p)) {
				for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
					Files.delete(f);
				}
			}
		}
	}

	@Test
	void aDirectoryPlantedAtThePinPath() throws Exception {
		Path dir = track(BpfPins.directory("tld-attack-planted"));
		asNobody("mkdir -m 0777 " + dir);
		refused(dir.resolve("tld_data_map"), "is owned by uid 65534 (nobody), not by this process's uid 0");
		assertThat(list(dir)).as("nothing pinned in the attacker's directory").isEmpty();
	}

	@Test
	void aSymbolicLinkPlantedThereToAnotherServicesPinDirectory() throws Exception {
		Path victim = track(BpfPins.directory("tld-attack-victim"));
		PinPath other = PinPath.of(victim.resolve("tld_data_map").toString());
		other.prepare();
		other.ensureMap(); // another service's own pin
		Path link = track(BpfPins.directory("tld-attack-link"));
		asNobody("ln -s " + victim + " " + link);
		refused(link.resolve("tld_data_map"), "is a symbolic link (to " + victim + ")");
		try (SharedMapTool tool = SharedMapTool.at(other.path())) {
			assertThat(tool.threadsOf(ProcessHandle.current().pid())).as("nothing merged onto the other's map")
				.isEmpty();
		}
	}

	@Test
	void aPinDirectoryOfAnotherUser() throws Exception {
		Path dir = track(BpfPins.directory("tld-attack-foreign"));
		PinPath theirs = PinPath.of(dir.resolve("tld_data_map").toString());
		theirs.prepare();
		theirs.ensureMap();
		chown("daemon", dir);
		chown("daemon", theirs.path());
		refused(theirs.path(), "the pin directory " + dir + " is owned by uid 1 (daemon)");
	}

	@Test
	void aPinDirectoryWhoseModeLetsOthersIn() throws Exception {
		Path dir = track(BpfPins.directory("tld-attack-wide"));
		Files.createDirectory(dir);
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
		// what others could then do: plant anything in it
		asNobody("ln -s /sys/fs/bpf " + dir.resolve("planted"));
		refused(dir.resolve("tld_data_map"), "has mode 0777, wider than 0700");
		assertThat(list(dir)).containsExactly(dir.resolve("planted"));
	}

	@Test
	void aPinOutsideBpffs() throws Exception {
		Path dir = track(Path.of("/tmp", "tld-attack-" + ProcessHandle.current().pid()));
		refused(dir.resolve("tld_data_map"), "/tmp is not in bpffs");
		assertThat(dir).as("no directory created outside bpffs").doesNotExist();
		asNobody("mkdir -m 0777 " + dir);
		refused(dir.resolve("tld_data_map"), "/tmp is not in bpffs");
		assertThat(list(dir)).isEmpty();
	}

	@Test
	void aPathWithDotDot() throws Exception {
		// nobody links a name to /tmp: "<link>/../x" would resolve to /x, outside bpffs
		Path link = track(BpfPins.directory("tld-attack-dotdot"));
		asNobody("ln -s /tmp " + link);
		String pin = link + "/../tld-attack-dotdot-target/tld_data_map";
		try (TaskLocalDataRuntime runtime = TaskLocalDataRuntime
			.start(TaskLocalDataSettings.builder().pinPath(pin).tracing(false).build(), KernelSupport.probe())) {
			assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
			assertThat(runtime.sharedMap().status()).isEqualTo(TaskLocalDataRuntime.SharedMap.Status.REFUSED);
			assertThat(runtime.sharedMap().reason()).contains("has a '..' segment");
			assertThat(new TaskLocalDataHealthIndicator(runtime).health().getDetails().get("sharedMap")).asString()
				.contains("REFUSED")
				.contains("'..'");
		}
		assertThat(Path.of("/tld-attack-dotdot-target")).doesNotExist();
		assertThat(Path.of("/sys/fs/bpf/tld-attack-dotdot-target")).doesNotExist();
		// the property says so before anything starts
		this.runner.withPropertyValues("tld.pin-path=" + pin)
			.run((context) -> assertThat(TaskLocalDataAutoConfigurationTests.messages(context.getStartupFailure()))
				.contains("tld.pin-path")
				.contains("'..'"));
	}

	@Test
	void theFileModeOfThePinIsTheOnlyBarrier() throws Exception {
		Path dir = track(BpfPins.directory("tld-attack-mode"));
		Path pin = dir.resolve("tld_data_map");
		this.runner.withPropertyValues("tld.pin-path=" + pin, "tld.maintenance-interval=1h").run((context) -> {
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.sharedMap().status()).isEqualTo(TaskLocalDataRuntime.SharedMap.Status.ATTACHED);
			int victim = runtime.taskLocalData().currentThread().tid();
			// Private (0700 directory, 0600 pin): nobody cannot even open it.
			ChildApplication.Result denied = forgeAsNobody(pin, victim);
			assertThat(denied.exitCode()).as(denied.output()).isEqualTo(1);
			assertThat(denied.output()).contains("cannot open pinned map").contains("Permission denied");
			// Modes that let nobody open it: nothing else stops it, CAP_BPF or not.
			Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
			Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-rw-rw-"));
			ChildApplication.Result forged = forgeAsNobody(pin, victim);
			assertThat(forged.exitCode()).as(forged.output()).isZero();
			assertThat(forged.output()).contains("forged");
			try (SharedMapTool tool = SharedMapTool.at(pin)) {
				assertThat(tool.threadsOf(ProcessHandle.current().pid()).get(victim).owner())
					.as("the forgery is in the shared map, and outlived its author")
					.isEqualTo(dev.tld.test.Forger.OWNER);
			}
			// What the service accounts is its own, and the audit puts it back.
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("acme", 1, "r"));
			try {
				assertThat(TaskLocalDataAutoConfigurationTests.bpfRecord(runtime, victim).tenant()).isEqualTo("acme");
			}
			finally {
				scope.close();
			}
			assertThat(runtime.taskLocalData().audit()).isEqualTo(1);
			assertThat(runtime.taskLocalData().tamperedElements()).isEqualTo(1);
			// and the starter refuses to reuse a pin left that open
			Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
		});
		refused(pin, "the pin " + pin + " has mode 0666, wider than 0600");
	}

	/**
	 * Start the service on {@code pin} and check it refuses the shared map, saying so.
	 */
	private void refused(Path pin, String why) {
		this.runner.withPropertyValues("tld.pin-path=" + pin).run((context) -> {
			assertThat(context).hasNotFailed();
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
			TaskLocalDataRuntime.SharedMap shared = runtime.sharedMap();
			assertThat(shared.status()).as(shared.reason()).isEqualTo(TaskLocalDataRuntime.SharedMap.Status.REFUSED);
			assertThat(shared.reason()).contains(why);
			assertThat(runtime.taskLocalData().maps()).as("the service's own map only").hasSize(1);
			var health = context.getBean(TaskLocalDataHealthIndicator.class).health();
			assertThat(health.getStatus().getCode()).isEqualTo("UP");
			assertThat(health.getDetails().get("sharedMap")).asString().contains("REFUSED").contains(why);
			TaskLocalDataEndpoint.SharedMap reported = context.getBean(TaskLocalDataEndpoint.class)
				.report()
				.sharedMap();
			assertThat(reported.status()).isEqualTo("REFUSED");
			assertThat(reported.reason()).contains(why);
			accountsOnItsOwnMap(context.getBean(TaskLocalDataContext.class), runtime);
		});
	}

	private static void accountsOnItsOwnMap(TaskLocalDataContext tld, TaskLocalDataRuntime runtime) {
		TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("acme", 1, "r"));
		try {
			int tid = runtime.taskLocalData().currentThread().tid();
			assertThat(TaskLocalDataAutoConfigurationTests.bpfRecord(runtime, tid).tenant()).isEqualTo("acme");
		}
		finally {
			scope.close();
		}
	}

	private static ChildApplication.Result forgeAsNobody(Path pin, int tid) throws Exception {
		return ChildApplication.run(ChildApplication.AS_NOBODY, true, "dev.tld.test.Forger", "forge", pin.toString(),
				String.valueOf(tid));
	}

	private static void asNobody(String command) throws Exception {
		List<String> full = new ArrayList<>(ChildApplication.AS_NOBODY);
		full.addAll(List.of("/bin/sh", "-c", command));
		Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as("nobody: " + command + ": " + out).isZero();
	}

	private static void chown(String user, Path p) throws IOException {
		Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user));
	}

	private static List<Path> list(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.toList();
		}
	}

	private Path track(Path p) {
		this.cleanup.add(p);
		return p;
	}

}
