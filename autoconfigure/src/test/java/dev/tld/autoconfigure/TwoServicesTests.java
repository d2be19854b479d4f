// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.app.TestApplication;
import dev.tld.core.BpfMap;
import dev.tld.core.TldThread;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.test.Forger;
import dev.tld.test.SharedMapTool;
import dev.tld.test.spring.ChildApplication;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.IsolatedDataMapContextCustomizerFactory;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two services on one host share one pin, as two demo apps with the default pin path did:
 * this test's own application and the same application in a child JVM. Each accounts and
 * lists only its own threads and tenants (its programs read a map of its own), both are
 * in the shared map for outside tools, and a foreign writer who replaces the other
 * service's elements in the shared map changes nothing it accounts; the other service's
 * maintenance notices, registers its threads again and says so.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=4",
				"tld.maintenance-interval=1h", "tld.metrics.refresh-interval=1h" })
@IsolatedDataMap
class TwoServicesTests {

	private static final Path PIN = IsolatedDataMapContextCustomizerFactory.pinPath(TwoServicesTests.class);

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	@Test
	void neitherSeesTheOtherAndAForgeryInTheSharedMapChangesNothingTheyAccount() throws Exception {
		try (ChildApplication other = ChildApplication.start(List.of(), false, false, "--tld.pin-path=" + PIN,
				"--tld.maintenance-interval=1h", "--server.tomcat.threads.max=4",
				"--server.tomcat.threads.min-spare=4")) {
			other.awaitReport().jsonPath("$.sharedMap.status").isEqualTo("ATTACHED");
			long otherPid = other.process().pid();
			RestTestClient me = RestTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
			for (int i = 0; i < 16; i++) {
				assertThat(work(me, "alpha")).startsWith("alpha|");
				assertThat(work(other.client(), "beta")).startsWith("beta|");
			}

			// Neither sees the other's threads or tenants.
			assertThat(tenants(this.runtime.readStats())).contains("alpha").doesNotContain("beta");
			assertThat(tids(this.runtime.readThreads())).isNotEmpty()
				.isSubsetOf(tasksOf(ProcessHandle.current().pid()))
				.isEqualTo(registeredTids());
			TaskLocalDataEndpoint.Report theirs = report(other);
			assertThat(tenants(theirs.tenants())).contains("beta").doesNotContain("alpha");
			assertThat(tids(theirs.threads())).isNotEmpty()
				.isSubsetOf(tasksOf(otherPid))
				.hasSize(theirs.registeredThreads());
			assertThat(theirs.sharedMap().mapId()).as("one shared map").isEqualTo(this.runtime.sharedMapId());
			assertThat(theirs.dataMapId()).as("but each its own").isNotEqualTo(this.runtime.dataMapId());

			try (SharedMapTool tool = SharedMapTool.at(PIN); BpfMap shared = BpfMap.openPinned(PIN)) {
				// An outside tool sees both services' threads in the shared map.
				assertThat(tool.threadsOf(ProcessHandle.current().pid()).keySet()).isEqualTo(registeredTids());
				Map<Integer, SharedMapTool.Element> victims = tool.threadsOf(otherPid);
				assertThat(victims).hasSize(theirs.registeredThreads());

				// A foreign writer replaces every element of the other service in it.
				try (Forger forger = Forger.claiming("mallory", 2L << 32, 0)) {
					for (int tid : victims.keySet()) {
						forger.forge(shared, tid);
					}
					assertThat(tool.threadsOf(otherPid).values()).as("tools reading the shared map are fooled")
						.allMatch((e) -> e.owner() == Forger.OWNER);

					// What the other service accounts and shows is its own.
					for (int i = 0; i < 16; i++) {
						assertThat(work(other.client(), "beta")).as("BPF reads the service's own map")
							.startsWith("beta|");
					}
					TaskLocalDataEndpoint.Report during = report(other);
					assertThat(tenants(during.tenants())).contains("beta").doesNotContain("mallory");
					assertThat(during.threads()).noneMatch((t) -> t.tenant().equals("mallory"));
					assertThat(cpu(during, "beta")).as("beta keeps being charged").isGreaterThan(cpu(theirs, "beta"));

					// Its maintenance notices, registers the threads again and says so.
					Integer repaired = other.client()
						.get()
						.uri("/maintain")
						.exchange()
						.expectBody(Integer.class)
						.returnResult()
						.getResponseBody();
					assertThat(repaired).isEqualTo(victims.size());
				}
				TaskLocalDataEndpoint.Report after = report(other);
				assertThat(after.tamperedElements()).isEqualTo(victims.size());
				assertThat(after.lastError()).contains("was replaced").contains("by another writer of the map");
				assertThat(tool.threadsOf(otherPid).values()).as("the shared map has the service's own elements again")
					.allMatch((e) -> e.owner() != Forger.OWNER && e.blockTid() == e.tid())
					.hasSize(victims.size());
				other.client()
					.get()
					.uri("/actuator/health/taskLocalData")
					.exchange()
					.expectBody()
					.jsonPath("$.status")
					.isEqualTo("UP")
					.jsonPath("$.details.tamperedElements")
					.isEqualTo(victims.size());
				assertThat(this.runtime.taskLocalData().tamperedElements()).as("this service was left alone").isZero();
			}
		}
	}

	private static String work(RestTestClient client, String tenant) {
		return TenantRequests.get(client, "/work?iterations=100000", tenant, null, null);
	}

	private static TaskLocalDataEndpoint.Report report(ChildApplication app) {
		TaskLocalDataEndpoint.Report r = app.client()
			.get()
			.uri("/actuator/tasklocaldata")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(TaskLocalDataEndpoint.Report.class)
			.returnResult()
			.getResponseBody();
		assertThat(r).isNotNull();
		return r;
	}

	private static Set<String> tenants(List<TenantStats> stats) {
		return stats.stream().map(TenantStats::tenant).collect(Collectors.toSet());
	}

	private static long cpu(TaskLocalDataEndpoint.Report r, String tenant) {
		return r.tenants().stream().filter((s) -> s.tenant().equals(tenant)).mapToLong(TenantStats::cpuNanos).sum();
	}

	private static Set<Integer> tids(List<ThreadRecord> threads) {
		return threads.stream().map(ThreadRecord::tid).collect(Collectors.toSet());
	}

	private Set<Integer> registeredTids() {
		return this.runtime.taskLocalData().threads().stream().map(TldThread::tid).collect(Collectors.toSet());
	}

	private static Set<Integer> tasksOf(long pid) throws Exception {
		try (var s = Files.list(Path.of("/proc/" + pid + "/task"))) {
			return s.map((p) -> Integer.parseInt(p.getFileName().toString())).collect(Collectors.toSet());
		}
	}

}
