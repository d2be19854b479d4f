// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;

/**
 * The daemon thread that runs {@link TaskLocalData#maintain()} at a fixed interval until
 * the instance closes.
 */
final class Maintenance {

	private final Thread thread;

	private volatile boolean stopped;

	private Maintenance(TaskLocalData tld, Duration interval, Instance owner) {
		this.thread = new Thread(() -> loop(tld, interval, owner), "tld-maintenance");
		this.thread.setDaemon(true);
	}

	static Maintenance start(TaskLocalData tld, Duration interval, Instance owner) {
		Maintenance m = new Maintenance(tld, interval, owner);
		m.thread.start();
		return m;
	}

	private void loop(TaskLocalData tld, Duration interval, Instance owner) {
		while (!this.stopped) {
			try {
				Thread.sleep(interval.toMillis(), interval.toNanosPart() % 1_000_000);
				if (!this.stopped) {
					tld.maintain();
				}
			}
			catch (InterruptedException ex) {
				return;
			}
			catch (RuntimeException ex) {
				owner.error("maintenance failed: " + ex);
			}
		}
	}

	void stop() {
		this.stopped = true;
		this.thread.interrupt();
	}

}
