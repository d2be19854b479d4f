// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.tld.core.KernelSupport;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binder registers exactly the meters {@link TaskLocalDataMeters} documents, with
 * their units, descriptions and tags; a tenant's series are those of the figures the
 * running kernel has, the system call counter only when opted in; and the README's table
 * of meters is the one the enum renders.
 */
class TaskLocalDataMetricsTests {

	private static final Path README = Path.of("..", "README.md");

	private static final String START = "<!-- meters: generated from TaskLocalDataMeters; checked by"
			+ " TaskLocalDataMetricsTests -->";

	private static final String END = "<!-- meters: end -->";

	@Test
	@EnabledOnBpf
	void everyMeterIsDocumentedAndEveryFigureOfThisKernelHasItsSeries() throws Exception {
		MeterRegistry registry = serveOneRequest(false);
		for (Meter m : registry.getMeters()) {
			TaskLocalDataMeters doc = documented(m.getId().getName());
			assertThat(m.getId().getBaseUnit()).as(doc + " unit").isEqualTo(doc.getBaseUnit());
			assertThat(m.getId().getDescription()).as(doc + " description").isEqualTo(doc.description());
			assertThat(m.getId().getType()).as(doc + " type").isEqualTo(doc.getType());
			assertThat(m.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toSet())).as(doc + " tags")
				.isEqualTo(Arrays.stream(doc.getKeyNames()).map(KeyName::asString).collect(Collectors.toSet()));
		}
		Set<String> perTenant = registry.getMeters()
			.stream()
			.filter((m) -> "metrics".equals(m.getId().getTag("tenant")))
			.map((m) -> m.getId().getName())
			.collect(Collectors.toSet());
		// This kernel (Debian's 6.x) has every figure; only system calls are opt-in.
		assertThat(perTenant).containsExactlyInAnyOrder("tld.cpu.time", "tld.runqueue.wait", "tld.blocked.time",
				"tld.context.switches", "tld.io.read", "tld.io.write", "tld.io.operations", "tld.storage.read",
				"tld.storage.write", "tld.page.faults");
		assertThat(registry.find("tld.context.switches").tag("tenant", "metrics").meters()).hasSize(2);
		assertThat(registry.find("tld.cpu.time").tag("tenant", "metrics").functionCounter().count()).isPositive();
	}

	@Test
	@EnabledOnBpf
	void systemCallsAreCountedWhenOptedIn() throws Exception {
		MeterRegistry registry = serveOneRequest(true);
		assertThat(registry.find("tld.syscalls").tag("tenant", "metrics").functionCounter())
			.as("tld.syscalls with tld.tracing.syscalls=true")
			.isNotNull()
			.satisfies((c) -> assertThat(c.count()).isPositive());
	}

	@Test
	void theReadmeTableIsTheOneTheEnumRenders() throws IOException {
		String readme = Files.readString(README, StandardCharsets.UTF_8);
		int start = readme.indexOf(START);
		int end = readme.indexOf(END);
		assertThat(start).as("README.md has the marker " + START).isNotNegative();
		assertThat(end).as("README.md has the marker " + END).isGreaterThan(start);
		String table = readme.substring(start + START.length(), end).strip();
		assertThat(table).as("README.md's table of meters; replace it with the expected text")
			.isEqualTo(render().strip());
	}

	private static TaskLocalDataMeters documented(String name) {
		return Arrays.stream(TaskLocalDataMeters.values())
			.filter((d) -> d.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("meter " + name + " is not in TaskLocalDataMeters"));
	}

	private static MeterRegistry serveOneRequest(boolean syscalls) throws Exception {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		TaskLocalDataSettings settings = TaskLocalDataSettings.builder().pinPath("").syscalls(syscalls).build();
		try (TaskLocalDataRuntime runtime = TaskLocalDataRuntime.start(settings, KernelSupport.probe());
				TaskLocalDataMetrics metrics = new TaskLocalDataMetrics(runtime, null, Duration.ofHours(1))) {
			assertThat(runtime.state()).as(String.valueOf(runtime.reason()))
				.isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
			metrics.bindTo(registry);
			TaskLocalDataContext context = new TaskLocalDataContext(runtime);
			Thread t = new Thread(() -> {
				TaskLocalDataContext.Scope scope = context.open(new RequestMetadata("metrics", 1, "m-1"));
				long until = System.nanoTime() + 50_000_000;
				while (System.nanoTime() < until) {
					Thread.onSpinWait();
				}
				sleep(5);
				scope.close();
				sleep(5); // switch out after the request: its last slice is charged
			});
			t.start();
			t.join();
			metrics.refresh();
			return registry;
		}
	}

	private static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** The README's table: one row per meter, in the enum's order. */
	static String render() {
		StringBuilder b = new StringBuilder();
		b.append("| meter | type | unit | tags | what |\n|---|---|---|---|---|\n");
		for (TaskLocalDataMeters m : TaskLocalDataMeters.values()) {
			List<String> tags = Arrays.stream(m.getKeyNames()).map((k) -> "`" + k.asString() + "`").toList();
			b.append(String.format(Locale.ROOT, "| `%s` | %s | %s | %s | %s |%n", m.getName(),
					m.getType().name().toLowerCase(Locale.ROOT), m.getBaseUnit(),
					tags.isEmpty() ? "–" : String.join(", ", tags), m.description()));
		}
		return b.toString();
	}

}
