// SPDX-License-Identifier: Apache-2.0
package dev.tld.test.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.util.Assert;

import dev.tld.test.BpfPins;

/**
 * Makes {@link IsolatedDataMap} work: registered in {@code META-INF/spring.factories}.
 */
public class IsolatedDataMapContextCustomizerFactory implements ContextCustomizerFactory {

	/**
	 * Where the context of a test class annotated {@link IsolatedDataMap} pins its data
	 * map.
	 * @param testClass the test class
	 * @return {@code /sys/fs/bpf/<fully qualified name>-<pid>/tld_data_map}, with
	 * {@code _} for the dots of the name (bpffs refuses names with a dot)
	 */
	public static Path pinPath(Class<?> testClass) {
		return BpfPins.dataMap(testClass.getName().replace('.', '_'));
	}

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		if (TestContextAnnotationUtils.findMergedAnnotation(testClass, IsolatedDataMap.class) == null) {
			return null;
		}
		return new Customizer(pinPath(testClass));
	}

	/**
	 * Sets {@code tld.pin-path}; equal for equal paths, so that the path is part of the
	 * context cache key.
	 *
	 * @param pin the pin path
	 */
	record Customizer(Path pin) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration merged) {
			// a leftover of an earlier JVM that had the same pid
			remove();
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource(IsolatedDataMap.class.getName(),
						Map.of("tld.pin-path", this.pin.toString())));
			// Registered before any bean exists, so destroyed after all of them: the
			// runtime has released the map when the pin goes.
			Assert.state(context.getBeanFactory() instanceof DefaultSingletonBeanRegistry,
					"@IsolatedDataMap needs a context with a DefaultListableBeanFactory");
			((DefaultSingletonBeanRegistry) context.getBeanFactory())
				.registerDisposableBean(IsolatedDataMap.class.getName(), this::remove);
		}

		private void remove() {
			try {
				BpfPins.remove(this.pin);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("cannot remove the pin directory of " + this.pin, ex);
			}
		}

	}

}
