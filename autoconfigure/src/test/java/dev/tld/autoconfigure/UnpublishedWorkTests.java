// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.tld.autoconfigure.actuate.endpoint.TaskLocalDataEndpointAutoConfiguration;
import dev.tld.autoconfigure.actuate.health.TaskLocalDataHealthContributorAutoConfiguration;
import dev.tld.autoconfigure.metrics.TaskLocalDataMetricsAutoConfiguration;
import dev.tld.core.BpfMap;
import dev.tld.core.BpfObject;
import dev.tld.core.TaskLocalData;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.spring.actuate.health.TaskLocalDataHealthIndicator;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Work BPF did not see is said, never lost silently: scopes opened on threads that cannot
 * publish (virtual threads the application starts itself), registrations a map refused.
 * Each is a meter, in the endpoint and in health. And the endpoint pages its lists.
 */
@EnabledOnBpf
class UnpublishedWorkTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataMetricsAutoConfiguration.class, TaskLocalDataEndpointAutoConfiguration.class,
				TaskLocalDataHealthContributorAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false", "tld.maintenance-interval=1h",
				"tld.metrics.refresh-interval=1h", "management.endpoints.web.exposure.include=tasklocaldata");

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void aScopeOnAVirtualThreadIsCountedAsUnpublished() {
		this.runner.run((context) -> {
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			CompletableFuture<Boolean> ran = new CompletableFuture<>();
			startVirtual(() -> {
				TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("acme", 1, "v-1"));
				try {
					ran.complete(tld.current().isPresent());
				}
				finally {
					scope.close();
				}
			});
			assertThat(ran.get(30, TimeUnit.SECONDS)).as("the work runs, tracked in Java").isTrue();
			assertSaid(context, "tld.scopes.unpublished", "unpublishedScopes", 1);
			assertThat(context.getBean(TaskLocalDataRuntime.class).taskLocalData().registeredThreads())
				.as("no carrier got a block")
				.isZero();
		});
	}

	@Test
	void scopesOnPlatformThreadsAreNotCounted() {
		this.runner.run((context) -> {
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("acme", 1, "p-1"));
			scope.close();
			assertSaid(context, "tld.scopes.unpublished", "unpublishedScopes", 0);
		});
	}

	@Test
	void aRegistrationAMapRefusedIsCounted() {
		this.runner.run((context) -> {
			TaskLocalData tld = context.getBean(TaskLocalDataRuntime.class).taskLocalData();
			// a second map, then closed under the instance: the next thread cannot
			// register
			// with it
			BpfMap closed;
			try (BpfObject extra = BpfObject.openResource("/dev/tld/bpf/tld_map.bpf.o")) {
				extra.load();
				closed = extra.map("tld_data_map");
				tld.attach(closed);
			}
			Thread t = new Thread(() -> context.getBean(TaskLocalDataContext.class)
				.open(new RequestMetadata("acme", 1, "r-1"))
				.close());
			t.start();
			t.join();
			assertSaid(context, "tld.registrations.failed", "registrationFailures", 1);
			assertThat(tld.lastError()).contains("cannot register thread");
			tld.detach(closed);
		});
	}

	@Test
	void theEndpointPagesItsLists() throws Exception {
		this.runner.run((context) -> {
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			CountDownLatch registered = new CountDownLatch(6);
			CountDownLatch exit = new CountDownLatch(1);
			List<Thread> threads = new ArrayList<>();
			for (int i = 0; i < 6; i++) {
				int n = i;
				Thread t = new Thread(() -> {
					TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("tenant-" + n, 1, "r-" + n));
					registered.countDown();
					try {
						exit.await();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					finally {
						scope.close();
					}
				});
				threads.add(t);
				t.start();
			}
			registered.await();
			try {
				TaskLocalDataEndpoint endpoint = context.getBean(TaskLocalDataEndpoint.class);
				TaskLocalDataEndpoint.Report all = endpoint.report();
				assertThat(all.threadCount()).isEqualTo(6).isEqualTo(all.threads().size());
				TaskLocalDataEndpoint.Report first = endpoint.report(0, 4);
				TaskLocalDataEndpoint.Report second = endpoint.report(4, 4);
				assertThat(first.threads()).hasSize(4);
				assertThat(second.threads()).hasSize(2);
				assertThat(first.threadCount()).isEqualTo(6);
				assertThat(first.limit()).isEqualTo(4);
				Set<Integer> seen = new HashSet<>();
				first.threads().forEach((r) -> seen.add(r.tid()));
				second.threads().forEach((r) -> seen.add(r.tid()));
				assertThat(seen).as("two pages, every thread once")
					.isEqualTo(
							all.threads().stream().map(ThreadRecord::tid).collect(java.util.stream.Collectors.toSet()));
				assertThat(endpoint.report(100, 10).threads()).isEmpty();
				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.report(null, 0))
					.withMessageContaining("limit must be between 1 and 1000");
				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.report(-1, null))
					.withMessageContaining("offset must not be negative");
			}
			finally {
				exit.countDown();
				for (Thread t : threads) {
					t.join();
				}
			}
		});
	}

	/** The count, as the meter, the endpoint and health say it. */
	private static void assertSaid(AssertableWebApplicationContext context, String meter, String detail,
			long expected) {
		MeterRegistry registry = context.getBean(MeterRegistry.class);
		assertThat(registry.find(meter).functionCounter().count()).as(meter).isEqualTo(expected);
		TaskLocalDataEndpoint.Report report = context.getBean(TaskLocalDataEndpoint.class).report();
		long reported = detail.equals("unpublishedScopes") ? report.unpublishedScopes() : report.registrationFailures();
		assertThat(reported).as("endpoint " + detail).isEqualTo(expected);
		assertThat(context.getBean(TaskLocalDataHealthIndicator.class).health().getDetails()).containsEntry(detail,
				expected);
	}

	private static void startVirtual(Runnable task) throws Exception {
		Method ofVirtual = Thread.class.getMethod("ofVirtual");
		Object builder = ofVirtual.invoke(null);
		Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, task);
	}

}
