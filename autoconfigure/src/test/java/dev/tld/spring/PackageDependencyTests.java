// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an application imports ({@code dev.tld.spring} and below) does not depend on the
 * auto-configuration ({@code dev.tld.autoconfigure}): no class file of the API names one
 * of its types.
 */
class PackageDependencyTests {

	@Test
	void theApiDoesNotDependOnTheAutoConfiguration() throws IOException {
		Resource[] classes = new PathMatchingResourcePatternResolver(getClass().getClassLoader())
			.getResources("classpath*:dev/tld/spring/**/*.class");
		List<String> offenders = new ArrayList<>();
		int main = 0;
		for (Resource resource : classes) {
			String path = resource.getURL().getPath();
			if (path.contains("/test-classes/")) {
				continue;
			}
			main++;
			try (InputStream in = resource.getInputStream()) {
				// type references are in the constant pool as internal names
				String content = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
				if (content.contains("dev/tld/autoconfigure/")) {
					offenders.add(path);
				}
			}
		}
		assertThat(main).as("classes of the API found").isGreaterThan(10);
		assertThat(offenders).isEmpty();
	}

}
