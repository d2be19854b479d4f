// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo where BPF cannot be used: the application's class loader does not have the
 * tracing programs, so loading fails (FAILED) on a host that has BPF, and the probe
 * refuses (UNAVAILABLE) on one that does not. Either way the application serves every
 * request, and the driver says plainly that nothing was measured. Runs on any host.
 */
@SpringBootTest(classes = DemoApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "logging.level.root=error", "tld.pin-path=" })
@ContextConfiguration(initializers = DemoWithoutBpfTests.WithoutTracingPrograms.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DemoWithoutBpfTests {

	@LocalServerPort
	int port;

	/**
	 * Hides {@code tld_trace.bpf.o} from the application, as a broken packaging would.
	 */
	static class WithoutTracingPrograms implements ApplicationContextInitializer<ConfigurableApplicationContext> {

		@Override
		public void initialize(ConfigurableApplicationContext context) {
			((DefaultResourceLoader) context)
				.setClassLoader(new FilteredClassLoader(new ClassPathResource("dev/tld/bpf/tld_trace.bpf.o")));
		}

	}

	@Test
	void requestsAreServedAndTheSummarySaysNothingWasMeasured() throws Exception {
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		String[] args = { "--url=http://localhost:" + this.port, "--seconds=2", "--warmup-seconds=1", "--settle-ms=0",
				"--svg=" + Path.of("target", "demo-test", "without-bpf.svg") };
		DemoRun run;
		try (LoadDriver driver = new LoadDriver(LoadDriver.Options.parse(args, Map.of()));
				PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
			run = driver.run(out);
		}
		String text = printed.toString(StandardCharsets.UTF_8);
		System.out.print(text);
		assertTrue(run.allAnswered(), "requests are served without BPF: " + run.tenants());
		assertFalse(run.active());
		assertTrue(text.contains("BPF        FAILED") || text.contains("BPF        UNAVAILABLE"), text);
		assertTrue(text.contains("nothing is published to BPF and nothing is measured"), text);
		assertTrue(text.contains("Attribution: not measured"), text);
		for (TenantPlan p : TenantPlan.DEFAULT) {
			assertTrue(text.lines().anyMatch((l) -> l.startsWith(p.tenant() + " ") && l.contains(" | ")),
					p.tenant() + ":\n" + text);
		}
		HttpResponse<String> health = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/health/taskLocalData"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertEquals(200, health.statusCode(), "task local data is optional: its absence is not a failure");
		assertTrue(health.body().contains("\"status\":\"UNKNOWN\"") && health.body().contains("\"reason\""),
				health.body());
		HttpResponse<String> bad = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/cpu?units=-1")).build(),
					HttpResponse.BodyHandlers.ofString());
		assertEquals(400, bad.statusCode(), bad.body());
		assertTrue(bad.body().contains("must be between 0 and"), "the reason is in the answer: " + bad.body());
	}

}
