// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.test.spring.ChildApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real application process on a host that cannot run BPF: started as an unprivileged
 * user, and started with libbpf hidden from it. It must start, serve requests, and say
 * why through the endpoint and health.
 */
class HostWithoutBpfTests {

	private ChildApplication app;

	@AfterEach
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
	}

	@Test
	void unprivilegedProcessStartsServesAndSaysWhy() throws Exception {
		assumeTrue(isRoot(), "needs root to start a process as another user");
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
		this.app = ChildApplication.start(ChildApplication.AS_NOBODY, false, true, "--tld.pin-path=");
		this.app.awaitReport()
			.jsonPath("$.state")
			.isEqualTo("UNAVAILABLE")
			.jsonPath("$.reason")
			.value((String reason) -> assertThat(reason).contains("lacks CAP_BPF and CAP_PERFMON"));
		assertServesAndHealthExplains("CAP_BPF");
	}

	@Test
	void processWithoutLibbpfStartsServesAndSaysWhy() throws Exception {
		assumeTrue(isRoot(), "needs root to hide libbpf in a private mount namespace");
		Path libbpf = Path.of("/usr/lib/x86_64-linux-gnu/libbpf.so.1");
		assumeTrue(Files.exists(libbpf), "libbpf.so.1 is not where Debian puts it on x86_64");
		Path real = libbpf.toRealPath();
		// A private mount namespace in which libbpf is an empty file: dlopen fails as if
		// the package were not installed. Nothing changes outside the namespace.
		this.app = ChildApplication.start(List.of("unshare", "-m", "--propagation", "private", "--", "/bin/sh", "-c",
				"mount --bind /dev/null " + real + " && exec"), true, false, "--tld.pin-path=");
		this.app.awaitReport()
			.jsonPath("$.state")
			.isEqualTo("UNAVAILABLE")
			.jsonPath("$.reason")
			.value((String reason) -> assertThat(reason).contains("libbpf1 is not available"));
		assertServesAndHealthExplains("libbpf1");
	}

	private void assertServesAndHealthExplains(String reason) {
		RestTestClient client = this.app.client();
		client.get()
			.uri("/work?iterations=1000")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((body) -> assertThat(body).startsWith("none|unpublished"));
		client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components.taskLocalData.status")
			.isEqualTo("UNKNOWN")
			.jsonPath("$.components.taskLocalData.details.reason")
			.value((String r) -> assertThat(r).contains(reason));
	}

	private static boolean isRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

}
