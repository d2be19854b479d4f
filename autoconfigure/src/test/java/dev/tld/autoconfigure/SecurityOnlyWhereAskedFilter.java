// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Spring Security is on the test classpath for the tests of the principal and claim
 * sources; every other test application would get Boot's default security (every request
 * authenticated). This filter leaves Spring Boot's security auto-configurations out
 * unless a test sets {@code tld.test.security=true}.
 */
public class SecurityOnlyWhereAskedFilter implements AutoConfigurationImportFilter, EnvironmentAware {

	private boolean security;

	@Override
	public void setEnvironment(Environment environment) {
		this.security = environment.getProperty("tld.test.security", Boolean.class, false);
	}

	@Override
	public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
		boolean[] match = new boolean[autoConfigurationClasses.length];
		for (int i = 0; i < match.length; i++) {
			String c = autoConfigurationClasses[i];
			match[i] = this.security || c == null || !c.startsWith("org.springframework.boot.security.");
		}
		return match;
	}

}
