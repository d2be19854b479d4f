// SPDX-License-Identifier: Apache-2.0
package dev.tld.test.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.client.ResourceAccessException;

/**
 * The test application ({@code dev.tld.autoconfigure.app.TestApplication}) in a process
 * of its own, for tests that need a second service, another user or another pid
 * namespace: started with a command prefix ({@code setpriv ...}, {@code unshare ...}), on
 * a free port, with the endpoint and health details exposed. Closing it stops the process
 * and removes its log and any classpath copy made for it.
 */
public final class ChildApplication implements AutoCloseable {

	/** The prefix that runs a command as {@code nobody}, without any capability. */
	public static final List<String> AS_NOBODY = List.of("/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
			"--clear-groups", "--inh-caps=-all", "--bounding-set=-all");

	private final Process process;

	private final int port;

	private final Path log;

	private final @Nullable Path copy;

	private ChildApplication(Process process, int port, Path log, @Nullable Path copy) {
		this.process = process;
		this.port = port;
		this.log = log;
		this.copy = copy;
	}

	/**
	 * Start the application.
	 * @param prefix what runs the JVM ({@code setpriv ...}, {@code unshare ...}), may be
	 * empty; with {@code shell} true, the last element is a shell command to which the
	 * JVM's command line is appended
	 * @param shell whether the prefix ends in a shell command ({@code sh -c "... exec"})
	 * @param readableCopy whether to run from a copy of the classpath that any user can
	 * read (~/.m2 is root's)
	 * @param args Spring Boot arguments, after the port and the exposure
	 * @return the running application (not answering yet: see {@link #awaitReport()})
	 * @throws IOException if it cannot be started
	 */
	public static ChildApplication start(List<String> prefix, boolean shell, boolean readableCopy, String... args)
			throws IOException {
		Path copy = readableCopy ? readableClasspathCopy() : null;
		int port = freePort();
		List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", classpathOf(copy),
				"dev.tld.autoconfigure.app.TestApplication", "--server.port=" + port,
				"--management.endpoints.web.exposure.include=health,tasklocaldata",
				"--management.endpoint.health.show-details=always", "--spring.main.banner-mode=off"));
		java.addAll(List.of(args));
		List<String> command = new ArrayList<>(prefix);
		if (shell) {
			String last = command.remove(command.size() - 1);
			command.add(last + " " + String.join(" ", java));
		}
		else {
			command.addAll(java);
		}
		Path log = Files.createTempFile("tld-child", ".log");
		Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new ChildApplication(p, port, log, copy);
	}

	/**
	 * Start an executable application jar (the demo's, say) the same way: a free port,
	 * the endpoint and health details exposed, from a copy of the jar any user can read.
	 * @param prefix what runs the JVM ({@code setpriv ...}), may be empty
	 * @param jar the executable jar
	 * @param args Spring Boot arguments, after the port and the exposure
	 * @return the running application (not answering yet: see {@link #awaitReport()})
	 * @throws IOException if it cannot be started
	 */
	public static ChildApplication startJar(List<String> prefix, Path jar, String... args) throws IOException {
		Path copy = Files.createTempDirectory("tld-jar");
		Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path readable = copy.resolve(jar.getFileName());
		Files.copy(jar, readable);
		Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
		int port = freePort();
		List<String> command = new ArrayList<>(prefix);
		command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
				"-XX:TieredStopAtLevel=1", "-jar", readable.toString(), "--server.port=" + port,
				"--management.endpoints.web.exposure.include=health,tasklocaldata",
				"--management.endpoint.health.show-details=always", "--spring.main.banner-mode=off"));
		command.addAll(List.of(args));
		Path log = Files.createTempFile("tld-child", ".log");
		Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new ChildApplication(p, port, log, copy);
	}

	/**
	 * The started process: the JVM itself unless a prefix runs it as a child.
	 * @return the process
	 */
	public Process process() {
		return this.process;
	}

	/**
	 * The port it listens on.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * A client of the application.
	 * @return the client
	 */
	public RestTestClient client() {
		return RestTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
	}

	/**
	 * The endpoint's report, once the application answers.
	 * @return its body
	 * @throws InterruptedException if interrupted while waiting
	 * @throws AssertionError with the end of the log if it exits or does not answer
	 * within 90 s
	 */
	public RestTestClient.BodyContentSpec awaitReport() throws InterruptedException {
		RestTestClient client = client();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new AssertionError("the application exited with " + this.process.exitValue() + ":\n" + tail());
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

	/**
	 * The end of its log.
	 * @return the last 40 lines
	 */
	public String tail() {
		try {
			List<String> lines = Files.readAllLines(this.log);
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex + ")";
		}
	}

	/**
	 * Stop the process, then remove its log and classpath copy.
	 */
	@Override
	public void close() {
		try {
			// The JVM first where a prefix runs it as a child: unshare --fork does not
			// pass
			// SIGTERM on.
			this.process.descendants().forEach(ProcessHandle::destroy);
			this.process.destroy();
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			Files.deleteIfExists(this.log);
			if (this.copy != null) {
				try (Stream<Path> files = Files.walk(this.copy)) {
					for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
						Files.delete(f);
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The test classpath (this module's classes, then its dependencies), entries under
	 * {@code dir} if given.
	 */
	private static String classpathOf(@Nullable Path dir) throws IOException {
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

	/** Copy the classpath where an unprivileged user can read it. */
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

	/**
	 * Run a program of the test classpath as another process (a forger, say), from a copy
	 * any user can read if {@code readableCopy}.
	 * @param prefix what runs the JVM ({@code setpriv ...}), may be empty
	 * @param readableCopy whether to run from a readable copy of the classpath
	 * @param mainClass the class to run
	 * @param args its arguments
	 * @return its exit code and output
	 * @throws IOException if it cannot be started
	 * @throws InterruptedException if interrupted while waiting
	 */
	public static Result run(List<String> prefix, boolean readableCopy, String mainClass, String... args)
			throws IOException, InterruptedException {
		Path copy = readableCopy ? readableClasspathCopy() : null;
		try {
			List<String> command = new ArrayList<>(prefix);
			command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
					"-XX:TieredStopAtLevel=1", "-cp", classpathOf(copy), mainClass));
			command.addAll(List.of(args));
			Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
			String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
			if (!p.waitFor(60, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				throw new AssertionError(mainClass + " did not finish within 60 s: " + out);
			}
			return new Result(p.exitValue(), out);
		}
		finally {
			if (copy != null) {
				try (Stream<Path> files = Files.walk(copy)) {
					for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
						Files.delete(f);
					}
				}
			}
		}
	}

	/**
	 * What a program run by {@link #run} did.
	 *
	 * @param exitCode its exit code
	 * @param output what it printed
	 */
	public record Result(int exitCode, String output) {
	}

	private static int freePort() throws IOException {
		try (ServerSocket s = new ServerSocket(0)) {
			return s.getLocalPort();
		}
	}

}
