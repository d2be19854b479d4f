// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.app.TestApplication;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.SharedMapTool;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.IsolatedDataMapContextCustomizerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pinned data map is deleted, then replaced by a restarted tool, while the
 * application serves requests: it reports the missing pin, keeps serving and publishing
 * to its own programs, and registers every thread with the tool's new map.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=4",
				"tld.maintenance-interval=1h" })
@IsolatedDataMap
class PinReplacedTests {

	private static final Path PIN = IsolatedDataMapContextCustomizerFactory.pinPath(PinReplacedTests.class);

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	private String work(String tenant) {
		String body = RestTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.build()
			.get()
			.uri("/work?iterations=1000")
			.header("X-Tenant", tenant)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(body).isNotNull();
		return body;
	}

	@Test
	void deletedThenReplacedPin() throws Exception {
		for (int i = 0; i < 8; i++) {
			assertThat(work("before")).startsWith("before|"); // all four pool threads
																// registered
		}
		int ownMap = this.runtime.dataMapId();

		Files.delete(PIN);
		this.runtime.taskLocalData().maintain();
		assertThat(this.runtime.taskLocalData().lastError()).contains("is gone");
		assertThat(work("during")).as("still served and published to our own programs").startsWith("during|");

		// A tool restarts: it pins a fresh map where the old one was.
		try (SharedMapTool tool = SharedMapTool.at(PIN)) {
			assertThat(tool.mapId()).isNotEqualTo(ownMap);
			assertThat(tids(tool)).as("nothing registered with the new map yet").isEmpty();
			this.runtime.taskLocalData().maintain();
			Set<Integer> seenByTool = tids(tool);
			Set<Integer> registered = new HashSet<>();
			this.runtime.taskLocalData().threads().forEach((t) -> registered.add(t.tid()));
			assertThat(seenByTool).as("the restarted tool sees every registered thread").isEqualTo(registered);
			assertThat(work("after")).startsWith("after|");
			assertThat(this.runtime.dataMapId()).as("our own programs keep their map").isEqualTo(ownMap);
			assertThat(this.runtime.sharedMapId()).as("the shared map followed").isEqualTo(tool.mapId());
		}
	}

	/** Threads of this process in the tool's map, as BPF reads them. */
	private static Set<Integer> tids(SharedMapTool tool) {
		return tool.threadsOf(ProcessHandle.current().pid()).keySet();
	}

}
