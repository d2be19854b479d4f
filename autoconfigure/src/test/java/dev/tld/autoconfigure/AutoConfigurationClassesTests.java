// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.core.type.classreading.CachingMetadataReaderFactory;
import org.springframework.core.type.classreading.MetadataReaderFactory;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's auto-configurations: all listed in
 * {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports},
 * public and final, and ordered only against auto-configurations that the Spring Boot on
 * the classpath really lists (the names are strings, so a renamed Boot class would
 * silently stop ordering anything).
 */
class AutoConfigurationClassesTests {

	private final ClassLoader loader = getClass().getClassLoader();

	private List<String> listed() {
		List<String> names = new ArrayList<>();
		ImportCandidates.load(AutoConfiguration.class, this.loader).forEach(names::add);
		return names;
	}

	private List<String> ours() {
		return listed().stream().filter((n) -> n.startsWith("dev.tld.")).toList();
	}

	@Test
	void everyAutoConfigurationIsListedPublicAndFinal() throws Exception {
		// read the class files (as the scanner does, but without evaluating conditions)
		Set<String> declared = new HashSet<>();
		MetadataReaderFactory readers = new CachingMetadataReaderFactory(this.loader);
		for (Resource resource : new PathMatchingResourcePatternResolver(this.loader)
			.getResources("classpath*:dev/tld/autoconfigure/**/*.class")) {
			AnnotationMetadata metadata = readers.getMetadataReader(resource).getAnnotationMetadata();
			if (metadata.hasAnnotation(AutoConfiguration.class.getName())) {
				declared.add(metadata.getClassName());
			}
		}
		assertThat(ours()).isNotEmpty().containsExactlyInAnyOrderElementsOf(declared);
		for (String name : ours()) {
			Class<?> type = ClassUtils.forName(name, this.loader);
			assertThat(Modifier.isPublic(type.getModifiers()) && Modifier.isFinal(type.getModifiers()))
				.as(name + " is public final")
				.isTrue();
		}
	}

	@Test
	void orderedAgainstAutoConfigurationsSpringBootLists() throws Exception {
		List<String> listed = listed();
		List<String> named = new ArrayList<>();
		for (String name : ours()) {
			AutoConfiguration annotation = ClassUtils.forName(name, this.loader).getAnnotation(AutoConfiguration.class);
			named.addAll(List.of(annotation.afterName()));
			named.addAll(List.of(annotation.beforeName()));
		}
		assertThat(named).containsExactlyInAnyOrder(
				"org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration",
				"org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration");
		for (String name : named) {
			assertThat(listed).as("an auto-configuration of Spring Boot").contains(name);
			assertThat(ClassUtils.isPresent(name, this.loader)).as(name).isTrue();
		}
	}

}
