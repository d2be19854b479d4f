// SPDX-License-Identifier: Apache-2.0
package dev.tld.test.spring;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.test.context.ContextCustomizer;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link IsolatedDataMap}: a pin of each test class's own, part of the context cache key,
 * gone once the context is closed.
 */
class IsolatedDataMapTests {

	private final IsolatedDataMapContextCustomizerFactory factory = new IsolatedDataMapContextCustomizerFactory();

	@Test
	void eachTestClassHasAPinAndACacheKeyOfItsOwn() {
		ContextCustomizer one = this.factory.createContextCustomizer(One.class, List.of());
		ContextCustomizer two = this.factory.createContextCustomizer(Two.class, List.of());
		assertThat(one).isNotNull().isEqualTo(this.factory.createContextCustomizer(One.class, List.of()));
		assertThat(one).isNotEqualTo(two);
		assertThat(this.factory.createContextCustomizer(IsolatedDataMapTests.class, List.of())).as("not annotated")
			.isNull();
		Path pin = IsolatedDataMapContextCustomizerFactory.pinPath(One.class);
		assertThat(pin).isEqualTo(Path.of("/sys/fs/bpf",
				"dev_tld_test_spring_IsolatedDataMapTests$One-" + ProcessHandle.current().pid(), "tld_data_map"));
		assertThat(IsolatedDataMapContextCustomizerFactory.pinPath(Two.class)).isNotEqualTo(pin);
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void theContextPinsThereAndThePinGoesWhenItCloses() {
		Path pin = IsolatedDataMapContextCustomizerFactory.pinPath(One.class);
		ContextCustomizer customizer = this.factory.createContextCustomizer(One.class, List.of());
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class))
			.withPropertyValues("tld.tracing.enabled=false")
			.withInitializer((context) -> customizer.customizeContext(context, null))
			.run((context) -> {
				TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
				assertThat(runtime.state()).as(runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
				assertThat(runtime.pinPath()).isEqualTo(pin.toString());
				assertThat(pin).as("pinned").exists();
			});
		assertThat(Files.exists(pin.getParent())).as("pin directory removed").isFalse();
	}

	@IsolatedDataMap
	static class One {

	}

	@IsolatedDataMap
	static class Two {

	}

}
