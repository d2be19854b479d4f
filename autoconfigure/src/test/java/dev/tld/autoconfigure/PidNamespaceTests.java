// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.test.BpfPins;
import dev.tld.test.EnabledOnBpf;
import dev.tld.test.spring.ChildApplication;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The application in a container's pid namespace ({@code unshare --pid --fork
 * --mount-proc}), where it is pid 1 and its threads have ids of that namespace: the
 * endpoint lists every registered thread with the id {@code /proc/thread-self} names
 * inside (BPF reports ids of the task's own namespace, and its iterator is restricted by
 * the id the process knows itself by), the host's ids beside them, and maintenance's
 * audit, which matches BPF's view with Java's by those ids, finds nothing to repair.
 */
@EnabledOnBpf(bpffs = true)
class PidNamespaceTests {

	private static final Path PIN = BpfPins.dataMap("tld-pidns");

	private ChildApplication app;

	@AfterEach
	void stop() throws IOException {
		if (this.app != null) {
			this.app.close();
		}
		BpfPins.remove(PIN);
	}

	@Test
	void theEndpointListsEveryRegisteredThreadWithItsIdInTheNamespace() throws Exception {
		assumeTrue("root".equals(System.getProperty("user.name")), "needs root to make a pid namespace");
		this.app = ChildApplication.start(List.of("unshare", "--pid", "--fork", "--mount-proc", "--kill-child"), false,
				false, "--tld.pin-path=" + PIN, "--tld.maintenance-interval=100ms", "--server.tomcat.threads.max=4",
				"--server.tomcat.threads.min-spare=4");
		this.app.awaitReport().jsonPath("$.state").isEqualTo("ACTIVE");
		Set<Integer> serving = new HashSet<>();
		for (int i = 0; i < 16; i++) {
			String body = TenantRequests.ok(this.app.client().get().uri("/tid"));
			// "1/task/<tid>|<tid>": pid 1 in the namespace, and the starter's id is the
			// kernel's there
			String[] parts = String.valueOf(body).split("\\|");
			assertThat(parts[0]).as("the JVM is pid 1 of its namespace").startsWith("1/task/");
			int tid = Integer.parseInt(parts[0].substring("1/task/".length()));
			assertThat(Integer.parseInt(parts[1])).as("the starter's tid is the namespace's").isEqualTo(tid);
			serving.add(tid);
		}
		Thread.sleep(500); // several maintenance runs, each auditing both maps

		TaskLocalDataEndpoint.Report report = this.app.client()
			.get()
			.uri("/actuator/tasklocaldata")
			.exchange()
			.expectBody(TaskLocalDataEndpoint.Report.class)
			.returnResult()
			.getResponseBody();
		assertThat(report).isNotNull();
		assertThat(report.sharedMap().status()).isEqualTo("ATTACHED");
		Set<Integer> listed = report.threads().stream().map(ThreadRecord::tid).collect(Collectors.toSet());
		assertThat(listed).as("every registered thread, by its id in the namespace")
			.hasSize(report.registeredThreads())
			.containsAll(serving);
		Set<Integer> hostTids = tasksOf(jvmOnTheHost());
		assertThat(report.threads()).allSatisfy((t) -> {
			assertThat(t.hostTid()).as("ids differ across namespaces").isNotEqualTo(t.tid());
			assertThat(hostTids).as("the host's id of the same thread").contains(t.hostTid());
		});
		assertThat(report.tamperedElements()).as("the audit matched every thread: " + report.lastError()).isZero();
		assertThat(report.lastError()).isNull();
	}

	/** The JVM's pid on the host: the child of {@code unshare}. */
	private long jvmOnTheHost() throws IOException {
		long unshare = this.app.process().pid();
		String children = Files.readString(Path.of("/proc/" + unshare + "/task/" + unshare + "/children")).trim();
		return Long.parseLong(children.split("\\s+")[0]);
	}

	private static Set<Integer> tasksOf(long pid) throws IOException {
		try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/task"))) {
			return s.map((p) -> Integer.parseInt(p.getFileName().toString())).collect(Collectors.toSet());
		}
	}

}
