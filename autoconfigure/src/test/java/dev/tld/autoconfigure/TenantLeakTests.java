// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.Filter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.autoconfigure.app.TestApplication;
import dev.tld.core.BpfMap;
import dev.tld.core.BpfObject;
import dev.tld.core.internal.LibC;
import dev.tld.core.internal.Natives;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.IsolatedDataMapContextCustomizerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No tenant leaks: 10,000 requests (100,000 in {@code make soak}) from 16 tenants over a
 * 4-thread Tomcat (more requests in flight than threads), some of which throw, time out
 * on the client or go async. The handlers make marker system calls saying which tenant
 * they serve, taken from the request itself; a BPF program ({@code tld_marker}) compares,
 * at each marker, the tenant the thread publishes. A filter outside the starter's makes
 * markers that expect no tenant at all. Zero mismatches allowed.
 */
@SpringBootTest(classes = { TestApplication.class, TenantLeakTests.LeakEndpoints.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=4",
				"server.tomcat.accept-count=1000", "tld.tracing.enabled=false" })
@IsolatedDataMap
class TenantLeakTests {

	static final long MAGIC = 0x4b52414d444c54L;

	static final int TENANTS = 16;

	private static final Path PIN = IsolatedDataMapContextCustomizerFactory.pinPath(TenantLeakTests.class);

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	/** getpid(MAGIC, index): getpid ignores its arguments; tld_marker reads them. */
	static void marker(int index) {
		Natives.get().libc().syscall(LibC.SYS_GETPID, MAGIC, index);
	}

	static String tenant(int index) {
		return "tenant-" + index;
	}

	/** The smoke of {@link #hundredThousandRequestsLeakNoTenant()}: 10,000 requests. */
	@Test
	void noRequestThreadEverPublishesATenantItIsNotServing() throws Exception {
		leak(10_000);
	}

	/** 100,000 requests: {@code make soak}. */
	@Test
	@Tag("soak")
	void hundredThousandRequestsLeakNoTenant() throws Exception {
		leak(100_000);
	}

	private void leak(int total) throws Exception {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
		try (BpfObject marker = BpfObject.openResource("/bpf/tld_marker.bpf.o")) {
			marker.pinMap("tld_data_map", PIN);
			marker.load();
			BpfMap expected = marker.map("expected");
			for (int i = 1; i <= TENANTS; i++) {
				byte[] name = new byte[32];
				byte[] t = tenant(i).getBytes(StandardCharsets.US_ASCII);
				System.arraycopy(t, 0, name, 0, t.length);
				expected.update(key(i), name, BpfMap.ANY);
			}
			// markers count for this process only: another build's tests may run at once
			assertThat(marker.program("claim").testRun(new byte[0])).isPositive();
			marker.program("tld_marker").attach();

			// A plain java.net.http client, not RestTestClient: many asynchronous
			// requests with 16 in flight, some given up on by the client after 5 ms (a
			// per-request
			// timeout); RestTestClient's calls block, and its timeouts are the client's.
			HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
			Semaphore inFlight = new Semaphore(16);
			AtomicLong ok = new AtomicLong();
			AtomicLong failed = new AtomicLong();
			AtomicLong timedOut = new AtomicLong();
			CompletableFuture<?>[] all = new CompletableFuture<?>[total];
			for (int i = 0; i < total; i++) {
				int t = 1 + (i % TENANTS);
				String path;
				Duration timeout = Duration.ofSeconds(30);
				switch (i % 25) {
					case 20, 21 -> path = "/leak/fail";
					case 22, 23 -> path = "/leak/async";
					case 24 -> {
						path = "/leak/slow";
						timeout = Duration.ofMillis(5);
					}
					default -> path = "/leak/work";
				}
				HttpRequest request = HttpRequest
					.newBuilder(URI.create("http://localhost:" + this.port + path + "?t=" + t))
					.header("X-Tenant", tenant(t))
					.header("X-Priority", String.valueOf(t % 3))
					.timeout(timeout)
					.build();
				inFlight.acquire();
				all[i] = http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((r, ex) -> {
					inFlight.release();
					if (ex != null) {
						timedOut.incrementAndGet();
					}
					else if (r.statusCode() == 200) {
						ok.incrementAndGet();
					}
					else {
						failed.incrementAndGet();
					}
					return null;
				});
			}
			CompletableFuture.allOf(all).join();
			Thread.sleep(200); // the slow requests the client gave up on finish on the
								// server

			BpfMap counters = marker.map("counters");
			long checks = counter(counters, 0);
			long mismatches = counter(counters, 1);
			long matchedTenant = counter(counters, 2);
			System.out.printf(
					"leak test: %d requests (%d ok, %d threw, %d client timeouts), %d markers, "
							+ "%d inside requests matched their tenant, %d mismatches%n",
					total, ok.get(), failed.get(), timedOut.get(), checks, matchedTenant, mismatches);
			String lastBad = mismatches == 0 ? "" : describe(marker.map("last_bad").lookup(key(0)).orElseThrow());
			assertThat(mismatches).as("markers where BPF read another tenant than the thread served; last: " + lastBad)
				.isZero();
			assertThat(ok.get() + failed.get() + timedOut.get()).isEqualTo(total);
			assertThat(failed.get()).as("requests that threw").isGreaterThanOrEqualTo(total * 2 / 25);
			assertThat(timedOut.get()).as("requests the client gave up on").isPositive();
			assertThat(matchedTenant).as("markers inside requests, each matching its tenant")
				.isGreaterThanOrEqualTo(total);
			assertThat(checks).as("all markers, including those outside requests").isGreaterThan(3L * total);
		}
	}

	private static byte[] key(int i) {
		return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i).array();
	}

	private static long counter(BpfMap counters, int i) {
		return ByteBuffer.wrap(counters.lookup(key(i)).orElseThrow()).order(ByteOrder.LITTLE_ENDIAN).getLong();
	}

	private static String describe(byte[] m) {
		ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
		int n = 0;
		while (n < 32 && m[8 + n] != 0) {
			n++;
		}
		return "tid " + b.getInt(0) + " expected tenant index " + b.getInt(4) + " but published '"
				+ new String(m, 8, n, StandardCharsets.UTF_8) + "'";
	}

	/**
	 * Handlers that know their tenant from the request, and a filter outside the
	 * starter's.
	 */
	@Configuration(proxyBeanMethods = false)
	@RestController
	static class LeakEndpoints {

		@GetMapping("/leak/work")
		String work(@RequestParam int t) {
			marker(t);
			long x = 0;
			for (int i = 0; i < 20_000; i++) {
				x += i ^ (x >>> 7);
			}
			marker(t);
			return Long.toString(x);
		}

		@GetMapping("/leak/fail")
		String fail(@RequestParam int t) {
			marker(t);
			throw new IllegalStateException("failing on purpose");
		}

		@GetMapping("/leak/async")
		Callable<String> async(@RequestParam int t) {
			marker(t);
			return () -> {
				marker(t);
				return "later";
			};
		}

		@GetMapping("/leak/slow")
		String slow(@RequestParam int t) throws InterruptedException {
			marker(t);
			Thread.sleep(20);
			marker(t);
			return "slow";
		}

		/**
		 * Runs outside the starter's filter: at these points no tenant may be published.
		 */
		@Bean
		FilterRegistrationBean<Filter> outsideMarkers() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				marker(0);
				try {
					chain.doFilter(request, response);
				}
				finally {
					marker(0);
				}
			});
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
			registration.setDispatcherTypes(jakarta.servlet.DispatcherType.REQUEST,
					jakarta.servlet.DispatcherType.ASYNC, jakarta.servlet.DispatcherType.ERROR);
			return registration;
		}

	}

}
