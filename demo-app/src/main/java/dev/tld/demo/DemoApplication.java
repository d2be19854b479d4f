// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.File;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;
import org.springframework.context.annotation.Bean;

/**
 * The demo application: the task local data starter plus three endpoints whose work
 * differs in kind (see {@link WorkController}). Every request publishes its tenant,
 * priority and id (the {@code X-Tenant}, {@code X-Priority} and {@code X-Request-Id}
 * headers) to BPF, which charges CPU time, run-queue wait, blocked time, switches, I/O
 * and page faults to it; {@code /actuator/tasklocaldata} and the {@code tld.*} meters
 * show the result. {@link LoadDriver} sends the load.
 */
@SpringBootApplication
public class DemoApplication {

	/**
	 * Writes the HTTP port to the file named by {@code demo.port-file}, once the server
	 * listens, so that a script can start the application on port 0 (a free port) and
	 * find it.
	 * @param file the file to write
	 * @return the listener
	 */
	@Bean
	@ConditionalOnProperty("demo.port-file")
	WebServerPortFileWriter demoPortFileWriter(@Value("${demo.port-file}") String file) {
		return new WebServerPortFileWriter(new File(file));
	}

	/**
	 * Start the application.
	 * @param args Spring Boot arguments, e.g. {@code --server.port=8080}
	 */
	public static void main(String[] args) {
		SpringApplication.run(DemoApplication.class, args);
	}

}
