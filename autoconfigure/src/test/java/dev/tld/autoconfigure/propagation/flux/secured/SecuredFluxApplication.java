// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.flux.secured;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.tld.autoconfigure.propagation.flux.app.FluxApplication;

/**
 * {@link FluxApplication}'s endpoints behind Spring Security's WebFlux HTTP basic, with
 * in-memory users {@code wayne} and {@code bruce} (passwords {@code <name>-secret}).
 */
@SpringBootApplication
@EnableAsync
@Import({ FluxApplication.AsyncWork.class, FluxApplication.Endpoints.class })
public class SecuredFluxApplication {

	@Bean
	SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http) {
		return http.authorizeExchange((a) -> a.anyExchange().authenticated())
			.httpBasic(Customizer.withDefaults())
			.csrf((c) -> c.disable())
			.build();
	}

	@Bean
	MapReactiveUserDetailsService users() {
		return new MapReactiveUserDetailsService(
				User.withUsername("wayne")
					.password(PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("wayne-secret"))
					.roles("USER")
					.build(),
				User.withUsername("bruce")
					.password(PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("bruce-secret"))
					.roles("USER")
					.build());
	}

}
