// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;

import com.sun.net.httpserver.HttpServer;

/**
 * An OTLP/HTTP receiver for the tests, on a random local port: each protobuf export
 * posted to its path is handed, as bytes, to the test's consumer, and answered 200.
 */
final class OtlpCollector implements AutoCloseable {

	/** Takes the body of one export. */
	@FunctionalInterface
	interface Receiver {

		/**
		 * Take one export.
		 * @param export its protobuf body
		 * @throws IOException if it cannot be decoded
		 */
		void receive(byte[] export) throws IOException;

	}

	private final HttpServer server;

	private final String path;

	/**
	 * Start a receiver.
	 * @param path the path exports are posted to, such as {@code /v1/metrics}
	 * @param receiver takes each export's body
	 */
	OtlpCollector(String path, Receiver receiver) {
		this.path = path;
		try {
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		this.server.createContext(path, (exchange) -> {
			try (InputStream in = exchange.getRequestBody()) {
				receiver.receive(in.readAllBytes());
			}
			exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		this.server.start();
	}

	/**
	 * Where to export to.
	 * @return the URL of the path
	 */
	String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + this.path;
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
