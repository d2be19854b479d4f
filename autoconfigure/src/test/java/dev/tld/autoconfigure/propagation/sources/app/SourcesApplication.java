// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.sources.app;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.Filter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;

/**
 * A Spring MVC application behind Spring Security: HTTP basic with in-memory users, and
 * JWTs signed with a local HMAC key ({@link #token}), no network; {@code /public/**} is
 * open to anyone. Its endpoints report what BPF reads for the thread that did the work,
 * on the request thread or an {@code @Async} method's.
 */
@SpringBootApplication
@EnableAsync
public class SourcesApplication {

	/** The users of HTTP basic: each name is a tenant under {@code source=principal}. */
	public static final Map<String, String> USERS = Map.of("initech", "initech-secret", "hooli", "hooli-secret");

	private static final SecretKey KEY = new SecretKeySpec(
			"a local HMAC key for the tests, at least 256 bits long".getBytes(StandardCharsets.UTF_8), "HmacSHA256");

	/**
	 * A JWT signed with the application's key.
	 * @param subject its subject
	 * @param claims its other claims
	 * @return the serialized token
	 */
	public static String token(String subject, Map<String, Object> claims) {
		JWTClaimsSet.Builder set = new JWTClaimsSet.Builder().subject(subject)
			.expirationTime(new java.util.Date(System.currentTimeMillis() + 600_000));
		claims.forEach(set::claim);
		SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), set.build());
		try {
			jwt.sign(new MACSigner(KEY));
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
		return jwt.serialize();
	}

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests(
				(a) -> a.requestMatchers("/public/**", "/error").permitAll().anyRequest().authenticated())
			.httpBasic(Customizer.withDefaults())
			.oauth2ResourceServer((o) -> o.jwt(Customizer.withDefaults()))
			.csrf((c) -> c.disable());
		return http.build();
	}

	@Bean
	UserDetailsService users() {
		InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
		USERS.forEach((name,
				password) -> users.createUser(User.withUsername(name)
					.password(PasswordEncoderFactories.createDelegatingPasswordEncoder().encode(password))
					.roles("USER")
					.build()));
		return users;
	}

	@Bean
	JwtDecoder jwtDecoder() {
		return NimbusJwtDecoder.withSecretKey(KEY).build();
	}

	/**
	 * What BPF read for a request's thread after the chain returned out of Spring
	 * Security.
	 */
	public static final AtomicReference<String> TAIL = new AtomicReference<>();

	/**
	 * A filter outside Spring Security's chain (and inside the server observation): what
	 * BPF reads for the thread once the rest of the chain, the refining filter included,
	 * has returned, in {@link #TAIL}: the request's tail, as the response leaves.
	 */
	@Bean
	FilterRegistrationBean<Filter> tailFilter(TaskLocalDataRuntime runtime) {
		FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
			chain.doFilter(request, response);
			TAIL.set(BpfView.seen(runtime));
		});
		registration.setOrder(-150);
		registration.addUrlPatterns("/checkout");
		return registration;
	}

	/** Work that runs on Boot's executor. */
	@Component
	public static class AsyncWork {

		private final TaskLocalDataRuntime runtime;

		public AsyncWork(TaskLocalDataRuntime runtime) {
			this.runtime = runtime;
		}

		/** Burn CPU on the executor: what BPF read there, and the CPU it took. */
		@Async
		public CompletableFuture<String> burn(long iterations) {
			long cpu = BpfView.burn(iterations);
			return CompletableFuture.completedFuture(BpfView.seen(this.runtime) + "|" + cpu);
		}

	}

	/** Endpoints for the tests, each secured and open ({@code /public/...}). */
	@RestController
	public static class Endpoints {

		private final TaskLocalDataRuntime runtime;

		private final AsyncWork work;

		private final ObjectProvider<ObservationRegistry> registry;

		private final ExecutorService plain = Executors.newSingleThreadExecutor();

		public Endpoints(TaskLocalDataRuntime runtime, AsyncWork work, ObjectProvider<ObservationRegistry> registry) {
			this.runtime = runtime;
			this.work = work;
			this.registry = registry;
		}

		@PreDestroy
		void stop() {
			this.plain.shutdownNow();
		}

		/**
		 * A child observation of the request's, observed on a plain thread that no
		 * context snapshot prepared: what BPF reads there is what the request's
		 * observation works for when the child's scope opens.
		 */
		@GetMapping("/observed")
		public String observed() throws Exception {
			ObservationRegistry registry = this.registry.getObject();
			Observation parent = registry.getCurrentObservation();
			return this.plain
				.submit(() -> Observation.createNotStarted("tld.test.child", registry)
					.parentObservation(parent)
					.observe(() -> BpfView.seen(this.runtime)))
				.get();
		}

		/** What BPF reads on the request thread. */
		@GetMapping({ "/seen", "/public/seen" })
		public String seen() {
			return BpfView.seen(this.runtime);
		}

		/** Hop to an {@code @Async} method: what BPF read there and the CPU it burnt. */
		@GetMapping({ "/async", "/public/async" })
		public String async(@RequestParam(defaultValue = "0") long iterations) throws Exception {
			return this.work.burn(iterations).get();
		}

		/** Burn CPU on the request thread: what BPF read and the CPU it burnt. */
		@PostMapping({ "/checkout", "/public/checkout" })
		public String checkout(@RequestParam(defaultValue = "0") long iterations) {
			long cpu = BpfView.burnInOwnSlices(iterations);
			return BpfView.seen(this.runtime) + "|" + cpu;
		}

		/** The same burn through GET, which the endpoint mapping does not name. */
		@GetMapping({ "/checkout", "/public/checkout" })
		public String checkoutGet(@RequestParam(defaultValue = "0") long iterations) {
			return checkout(iterations);
		}

	}

}
