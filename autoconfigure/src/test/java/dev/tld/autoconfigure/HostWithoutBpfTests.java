// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.client.ResourceAccessException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real application process on a host that cannot run BPF: started as an unprivileged
 * user, and started with libbpf hidden from it. It must start, serve requests, and say
 * why through the endpoint and health.
 */
class HostWithoutBpfTests {

	private Process app;

	private Path log;

	@AfterEach
	void stop() throws Exception {
		if (this.app != null) {
			this.app.destroy();
			if (!this.app.waitFor(20, TimeUnit.SECONDS)) {
				this.app.destroyForcibly().waitFor();
			}
		}
	}

	@Test
	void unprivilegedProcessStartsServesAndSaysWhy() throws Exception {
		assumeTrue(isRoot(), "needs root to start a process as another user");
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
		Path dir = readableClasspathCopy();
		int port = freePort();
		List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
				"--clear-groups", "--inh-caps=-all", "--bounding-set=-all"));
		command.addAll(javaCommand(classpathOf(dir), port, "/tmp"));
		start(command);
		awaitReport(port).jsonPath("$.state")
			.isEqualTo("UNAVAILABLE")
			.jsonPath("$.reason")
			.value((String reason) -> assertThat(reason).contains("lacks CAP_BPF and CAP_PERFMON"));
		assertServesAndHealthExplains(port, "CAP_BPF");
	}

	@Test
	void processWithoutLibbpfStartsServesAndSaysWhy() throws Exception {
		assumeTrue(isRoot(), "needs root to hide libbpf in a private mount namespace");
		Path libbpf = Path.of("/usr/lib/x86_64-linux-gnu/libbpf.so.1");
		assumeTrue(Files.exists(libbpf), "libbpf.so.1 is not where Debian puts it on x86_64");
		Path real = libbpf.toRealPath();
		// A private mount namespace in which libbpf is an empty file: dlopen fails as if
		// the
		// package were not installed. Nothing changes outside the namespace.
		int port = freePort();
		String java = String.join(" ", javaCommand(classpathOf(null), port, "/tmp"));
		start(List.of("unshare", "-m", "--propagation", "private", "--", "/bin/sh", "-c",
				"mount --bind /dev/null " + real + " && exec " + java));
		awaitReport(port).jsonPath("$.state")
			.isEqualTo("UNAVAILABLE")
			.jsonPath("$.reason")
			.value((String reason) -> assertThat(reason).contains("libbpf1 is not available"));
		assertServesAndHealthExplains(port, "libbpf1");
	}

	private void assertServesAndHealthExplains(int port, String reason) {
		RestTestClient client = client(port);
		client.get()
			.uri("/work?iterations=1000")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((body) -> assertThat(body).startsWith("none|unpublished"));
		client.get()
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
			.value((String r) -> assertThat(r).contains(reason));
	}

	private void start(List<String> command) throws IOException {
		this.log = Files.createTempFile("tld-child", ".log");
		this.app = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(this.log.toFile()).start();
	}

	/** The endpoint's report, once the application answers. */
	private RestTestClient.BodyContentSpec awaitReport(int port) throws Exception {
		RestTestClient client = client(port);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (System.nanoTime() < deadline) {
			if (!this.app.isAlive()) {
				throw new AssertionError("the application exited with " + this.app.exitValue() + ":\n" + tail());
			}
			try {
				return client.get().uri("/actuator/tasklocaldata").exchange().expectStatus().isOk().expectBody();
			}
			catch (ResourceAccessException ex) {
				// not listening yet
			}
			catch (AssertionError ex) {
				// listening, not ready yet
			}
			Thread.sleep(250);
		}
		throw new AssertionError("the application did not answer within 90 s:\n" + tail());
	}

	private String tail() throws IOException {
		List<String> lines = Files.readAllLines(this.log);
		return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
	}

	private static RestTestClient client(int port) {
		return RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
	}

	private static List<String> javaCommand(String classpath, int port, String pinDir) {
		return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp", classpath,
				"dev.tld.autoconfigure.app.TestApplication", "--server.port=" + port,
				"--tld.pin-path=" + pinDir + "/tld-child-" + port + "/tld_data_map",
				"--management.endpoints.web.exposure.include=health,tasklocaldata",
				"--management.endpoint.health.show-details=always");
	}

	/**
	 * The test classpath (dependencies, then this module's classes); entries under
	 * {@code dir} if given.
	 */
	private static String classpathOf(Path dir) throws IOException {
		List<String> entries = entries();
		if (dir == null) {
			return String.join(":", entries);
		}
		List<String> copied = new ArrayList<>();
		for (int i = 0; i < entries.size(); i++) {
			copied.add(dir.resolve(i + "-" + Path.of(entries.get(i)).getFileName()).toString());
		}
		return String.join(":", copied);
	}

	private static List<String> entries() throws IOException {
		Path target = Path.of("target");
		List<String> entries = new ArrayList<>();
		entries.add(target.resolve("test-classes").toAbsolutePath().toString());
		entries.add(target.resolve("classes").toAbsolutePath().toString());
		for (String e : Files.readString(target.resolve("test-classpath.txt")).trim().split(":")) {
			if (!e.isBlank()) {
				entries.add(e);
			}
		}
		return entries;
	}

	/** Copy the classpath where an unprivileged user can read it (~/.m2 is root's). */
	private static Path readableClasspathCopy() throws IOException {
		Path dir = Files.createTempDirectory("tld-cp");
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		List<String> entries = entries();
		for (int i = 0; i < entries.size(); i++) {
			Path from = Path.of(entries.get(i));
			Path to = dir.resolve(i + "-" + from.getFileName());
			if (Files.isDirectory(from)) {
				try (Stream<Path> files = Files.walk(from)) {
					for (Path f : files.toList()) {
						Path t = to.resolve(from.relativize(f).toString());
						if (Files.isDirectory(f)) {
							Files.createDirectories(t);
							Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
						}
						else {
							Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
							Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
						}
					}
				}
			}
			else if (Files.exists(from)) {
				Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
				Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
			}
		}
		return dir;
	}

	private static int freePort() throws IOException {
		try (ServerSocket s = new ServerSocket(0)) {
			return s.getLocalPort();
		}
	}

	private static boolean isRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

}
