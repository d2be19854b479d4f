// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.SpringFactoriesLoader;

import dev.tld.core.BpfMap;
import dev.tld.core.PinPath;
import dev.tld.core.TldKey;
import dev.tld.core.TldLayout;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.KeyDefinition;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSchema;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.spring.TaskLocalDataUnavailableException;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions and properties of {@link TaskLocalDataAutoConfiguration}. Contexts use an
 * unpinned map and no tracing programs, so they share nothing.
 */
class TaskLocalDataAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	@Test
	@EnabledOnBpf
	void createsAnActiveRuntimeAndAContext() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataRuntime.class).hasSingleBean(TaskLocalDataContext.class);
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
			assertThat(runtime.keys()).as("no custom key: the request is the record, not keys").isEmpty();
			assertThat(runtime.attachedPrograms()).containsExactly("tld_dump_task");
			assertThat(runtime.dataMapId()).isPositive();
		});
	}

	@Test
	@EnabledOnBpf
	void tracingAttachesTheSwitchProgramOnlyByDefault() {
		this.runner.withPropertyValues("tld.tracing.enabled=true")
			.run((context) -> assertThat(context.getBean(TaskLocalDataRuntime.class).attachedPrograms())
				.containsExactly("tld_dump_task", "tld_sched_switch"));
	}

	@Test
	@EnabledOnBpf
	void systemCallCountingIsOptIn() {
		this.runner.withPropertyValues("tld.tracing.enabled=true", "tld.tracing.syscalls=true")
			.run((context) -> assertThat(context.getBean(TaskLocalDataRuntime.class).attachedPrograms())
				.containsExactly("tld_dump_task", "tld_sched_switch", "tld_sys_enter"));
	}

	@Test
	void disabledByProperty() {
		this.runner.withPropertyValues("tld.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataRuntime.class)
				.doesNotHaveBean(TaskLocalDataContext.class));
	}

	@Test
	void backsOffForAUserContext() {
		this.runner.withUserConfiguration(UserContext.class)
			.run((context) -> assertThat(context).hasSingleBean(TaskLocalDataContext.class)
				.getBean(TaskLocalDataContext.class)
				.isSameAs(context.getBean("myContext")));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserContext {

		@Bean
		TaskLocalDataContext myContext(TaskLocalDataRuntime runtime) {
			return new TaskLocalDataContext(runtime);
		}

	}

	@Test
	@EnabledOnBpf
	void customKeysAreDefinedAndWritable() {
		this.runner
			.withPropertyValues("tld.custom-keys[0].name=app.region", "tld.custom-keys[0].size=16",
					"tld.custom-keys[1].name=app.shard", "tld.custom-keys[1].type=long",
					"tld.custom-keys[2].name=app.blob", "tld.custom-keys[2].type=bytes")
			.run((context) -> {
				TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
				assertThat(runtime.keys().get("app.region").size()).isEqualTo(16);
				assertThat(runtime.keys().get("app.shard").size()).isEqualTo(8);
				assertThat(runtime.keys().get("app.blob").size()).isEqualTo(32);
				TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
				TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("acme", 2, "r1"));
				try {
					tld.put("app.region", "eu-west-1");
					tld.put("app.shard", 42L);
					var me = runtime.taskLocalData().currentThread();
					assertThat(me.getString(runtime.keys().get("app.region"))).isEqualTo("eu-west-1");
					assertThat(me.getLong(runtime.keys().get("app.shard"))).isEqualTo(42L);
					assertThat(bpfRecord(runtime, me.tid()).tenant()).as("what BPF reads").isEqualTo("acme");
				}
				finally {
					scope.close();
				}
				var me = runtime.taskLocalData().currentThread();
				assertThat(bpfRecord(runtime, me.tid()).serving()).as("idle after the scope").isFalse();
				assertThat(me.getString(runtime.keys().get("app.region"))).as("custom keys cleared too").isEmpty();
				assertThat(me.getLong(runtime.keys().get("app.shard"))).isZero();
			});
	}

	/** What BPF's iter/task dump reads for a thread of this process. */
	static ThreadRecord bpfRecord(TaskLocalDataRuntime runtime, int tid) {
		return runtime.readThreads()
			.stream()
			.filter((t) -> t.tid() == tid)
			.findFirst()
			.orElseThrow(() -> new AssertionError("BPF has no record of thread " + tid));
	}

	static Stream<Arguments> invalidProperties() {
		return Stream.of(Arguments.of("tld.enabled=maybe", "tld.enabled"),
				Arguments.of("tld.fail-fast=sometimes", "tld.fail-fast"),
				Arguments.of("tld.pin-path=relative/path", "tld.pin-path"),
				Arguments.of("tld.pin-path=/sys/fs/bpf/dir/", "tld.pin-path"),
				Arguments.of("tld.pin-path=/sys/fs/bpf/../tmp/tld/tld_data_map", "tld.pin-path"),
				Arguments.of("tld.pin-path=/sys/fs/bpf/tld/./tld_data_map", "tld.pin-path"),
				Arguments.of("tld.pin-path=/sys/fs/bpf/tld/tld_data_map.v2", "tld.pin-path"),
				Arguments.of("tld.pin-path=/tld_data_map", "tld.pin-path"),
				Arguments.of("tld.maintenance-interval=0s", "tld.maintenance-interval"),
				Arguments.of("tld.maintenance-interval=1ns", "tld.maintenance-interval"),
				Arguments.of("tld.maintenance-interval=9ms", "tld.maintenance-interval"),
				Arguments.of("tld.metrics.refresh-interval=500us", "tld.metrics.refresh-interval"),
				Arguments.of("tld.tenants.idle-timeout=1ms", "tld.tenants.idle-timeout"),
				Arguments.of("tld.maintenance-interval=soon", "tld.maintenance-interval"),
				Arguments.of("tld.default-tenant=" + "x".repeat(32), "tld.default-tenant"),
				Arguments.of("tld.default-priority=high", "tld.default-priority"),
				Arguments.of("tld.headers.tenant=Bad Header", "tld.headers.tenant"),
				Arguments.of("tld.headers.priority=", "tld.headers.priority"),
				Arguments.of("tld.headers.request-id=a:b", "tld.headers.request-id"),
				Arguments.of("tld.tracing.enabled=perhaps", "tld.tracing.enabled"),
				Arguments.of("tld.metrics.enabled=2", "tld.metrics.enabled"),
				Arguments.of("tld.metrics.refresh-interval=-5s", "tld.metrics.refresh-interval"),
				Arguments.of("tld.metrics.max-tenants=0", "tld.metrics.max-tenants"),
				Arguments.of("tld.metrics.max-tenants=100001", "tld.metrics.max-tenants"),
				Arguments.of("tld.custom-keys[0].name=has space", "tld.custom-keys[0].name"),
				Arguments.of("tld.custom-keys[0].name=tld.mine", "tld.custom-keys[0].name"),
				Arguments.of("tld.custom-keys[0].type=float", "tld.custom-keys[0].type"),
				Arguments.of("tld.custom-keys[0].name=k&tld.custom-keys[0].size=0", "tld.custom-keys[0].size"),
				Arguments.of("tld.custom-keys[0].name=k&tld.custom-keys[0].size=5000", "tld.custom-keys[0].size"),
				Arguments.of("tld.custom-keys[0].type=long", "tld.custom-keys[0].name"),
				Arguments.of("tld.custom-keys[0].name=a&tld.custom-keys[1].name=a", "tld.custom-keys[1].name"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidProperties")
	void invalidValueFailsStartupNamingTheKey(String property, String key) {
		this.runner.withPropertyValues(property.split("&")).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(messages(context.getStartupFailure())).contains(key);
		});
	}

	@Test
	void everyIntervalHasALowerBoundSaidInItsMessage() {
		for (String property : new String[] { "tld.maintenance-interval", "tld.metrics.refresh-interval",
				"tld.tenants.idle-timeout" }) {
			this.runner.withPropertyValues(property + "=1ns")
				.run((context) -> assertThat(messages(context.getStartupFailure())).contains(property)
					.contains("must be at least 10ms"));
			this.runner.withPropertyValues(property + "=10ms").run((context) -> assertThat(context).hasNotFailed());
		}
	}

	@Test
	void crossPropertyChecksNameTheKey() {
		this.runner.withPropertyValues("tld.custom-keys[0].name=dup", "tld.custom-keys[1].name=dup")
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("tld.custom-keys[1].name")
				.contains("same name"));
		this.runner
			.withPropertyValues("tld.custom-keys[0].name=small", "tld.custom-keys[0].type=long",
					"tld.custom-keys[0].size=4")
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("tld.custom-keys[0].size")
				.contains("at least 8"));
		this.runner
			.withPropertyValues("tld.custom-keys[0].name=big1", "tld.custom-keys[0].size=3700",
					"tld.custom-keys[1].name=big2", "tld.custom-keys[1].size=100")
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("tld.custom-keys[1].size")
				.contains(String.valueOf(TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY)));
	}

	@Test
	@EnabledOnBpf
	void customKeyLimitsAreWhatTheCoreCanDefine() {
		// as many keys as the key table has room for: all defined
		String[] most = new String[TaskLocalDataSchema.MAX_CUSTOM_KEYS];
		for (int i = 0; i < most.length; i++) {
			most[i] = "tld.custom-keys[" + i + "].name=k" + i;
		}
		this.runner.withPropertyValues(most).run((context) -> {
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
			assertThat(runtime.taskLocalData().keys()).hasSize(TldLayout.MAX_KEYS);
		});
		// one more is refused before the core is asked
		this.runner.withPropertyValues(most)
			.withPropertyValues("tld.custom-keys[" + most.length + "].name=one-too-many")
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("tld.custom-keys")
				.contains("at most " + TaskLocalDataSchema.MAX_CUSTOM_KEYS));
		// exactly the bytes the starter's keys leave: the block is full
		this.runner
			.withPropertyValues("tld.custom-keys[0].name=all",
					"tld.custom-keys[0].size=" + TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY)
			.run((context) -> {
				TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
				assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
				assertThat(runtime.taskLocalData().freeBytes()).isZero();
			});
		this.runner
			.withPropertyValues("tld.custom-keys[0].name=all",
					"tld.custom-keys[0].size=" + (TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY + 1))
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("tld.custom-keys[0].size")
				.contains(String.valueOf(TldLayout.DATA_CAPACITY)));
	}

	@Test
	@EnabledOnBpf
	void withoutCustomKeysTheWholeBlockIsFree() {
		this.runner.run((context) -> {
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			assertThat(runtime.taskLocalData().keys()).isEmpty();
			assertThat(runtime.taskLocalData().freeBytes()).isEqualTo(TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY);
		});
	}

	@Test
	void propertyDefaultsAreTheSettingsDefaults() {
		ClassLoader loader = getClass().getClassLoader();
		assertThat(TaskLocalDataAutoConfiguration.settings(new TaskLocalDataProperties(), loader, false))
			.isEqualTo(TaskLocalDataSettings.builder().classLoader(loader).build());
	}

	@Test
	void theOneRuleForPinPathsNamesTheProperty() {
		this.runner.withPropertyValues("tld.pin-path=/sys/fs/bpf/tld/../other/tld_data_map")
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("tld.pin-path")
				.contains(PinPath.problem("/sys/fs/bpf/tld/../other/tld_data_map")));
	}

	@Test
	@EnabledOnBpf
	void loadFailureIsReportedAndTheApplicationStarts() {
		// the tracing programs are not on the application's class path
		this.runner.withClassLoader(new FilteredClassLoader(new ClassPathResource("dev/tld/bpf/tld_trace.bpf.o")))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
				assertThat(runtime.state()).isEqualTo(TaskLocalDataRuntime.State.FAILED);
				assertThat(runtime.reason()).contains("tld_trace.bpf.o is not on the classpath");
				assertThat(runtime.taskLocalData()).isNull();
				TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
				TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("t", 1, "r"));
				assertThat(tld.current()).hasValueSatisfying((md) -> assertThat(md.tenant()).isEqualTo("t"));
				scope.close();
				assertThat(tld.current()).isEmpty();
			});
	}

	@Test
	@EnabledOnBpf
	void failFastRefusesToStartAndExplainsWhy() {
		this.runner.withClassLoader(new FilteredClassLoader(new ClassPathResource("dev/tld/bpf/tld_trace.bpf.o")))
			.withPropertyValues("tld.fail-fast=true")
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable failure = context.getStartupFailure();
				TaskLocalDataUnavailableException cause = find(failure, TaskLocalDataUnavailableException.class);
				assertThat(cause).isNotNull();
				assertThat(cause.reason()).contains("tld_trace.bpf.o is not on the classpath");
				FailureAnalysis analysis = new TaskLocalDataFailureAnalyzer().analyze(failure);
				assertThat(analysis.getDescription()).contains("cannot be published to BPF");
				assertThat(analysis.getAction()).contains("tld.fail-fast=false");
			});
	}

	@Test
	@EnabledOnBpf
	void aRefusedSharedMapNeverStopsTheServiceNorItsAccountingEvenWithFailFast() {
		// /tmp is not bpffs: the shared map is refused; nothing is created there
		Path dir = Path.of("/tmp", "tld-not-bpffs-" + ProcessHandle.current().pid());
		this.runner.withPropertyValues("tld.pin-path=" + dir.resolve("tld_data_map"), "tld.fail-fast=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
				assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
				assertThat(runtime.sharedMap().status()).isEqualTo(TaskLocalDataRuntime.SharedMap.Status.REFUSED);
				assertThat(runtime.sharedMap().reason()).contains("/tmp is not in bpffs");
				assertThat(runtime.sharedMapId()).isZero();
				TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
				TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("acme", 1, "r"));
				try {
					var me = runtime.taskLocalData().currentThread();
					assertThat(bpfRecord(runtime, me.tid()).tenant()).as("BPF reads the service's own map")
						.isEqualTo("acme");
				}
				finally {
					scope.close();
				}
				assertThat(runtime.taskLocalData().maps()).as("only the service's own map")
					.extracting(BpfMap::id)
					.containsExactly(runtime.dataMapId());
			});
		assertThat(dir).doesNotExist();
	}

	@Test
	void theFailureAnalyzerIsRegistered() {
		// Boot's own analyzers that need a bean factory are skipped here
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			.load(FailureAnalyzer.class, null, SpringFactoriesLoader.FailureHandler.handleMessage((message, ex) -> {
			}))).hasAtLeastOneElementOfType(TaskLocalDataFailureAnalyzer.class);
	}

	static String messages(Throwable t) {
		StringBuilder sb = new StringBuilder();
		for (Throwable c = t; c != null; c = c.getCause()) {
			sb.append(c.getMessage()).append('\n');
		}
		return sb.toString();
	}

	static <T extends Throwable> T find(Throwable t, Class<T> type) {
		for (Throwable c = t; c != null; c = c.getCause()) {
			if (type.isInstance(c)) {
				return type.cast(c);
			}
		}
		return null;
	}

}
