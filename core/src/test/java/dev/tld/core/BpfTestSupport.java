// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shared by the tests that drive the test programs: the {@code tld_read} object, the
 * context layout of its program, and helpers for running on fresh threads. Whether the
 * kernel can run them at all is {@link dev.tld.test.EnabledOnBpf}'s business.
 */
final class BpfTestSupport {

	private BpfTestSupport() {
	}

	/** A loaded {@code tld_read.bpf.o}: its own tld_data_map and test programs. */
	static BpfObject loadReader() {
		BpfObject obj = openReader();
		obj.load();
		return obj;
	}

	/** {@code tld_read.bpf.o}, opened but not loaded. */
	static BpfObject openReader() {
		return BpfObject.openResource("/bpf/tld_read.bpf.o");
	}

	/** What {@code tld_read} reported for the calling thread. */
	record Read(int initErr, int found, long value, long late, long counter, String text, byte[] raw) {

		static final int FOUND_VALUE = 1;

		static final int FOUND_TEXT = 2;

		static final int FOUND_LATE = 4;

		static final int FOUND_COUNTER = 8;

		boolean has(int bit) {
			return (this.found & bit) != 0;
		}

	}

	/** Run {@code tld_read} on the calling thread. */
	static Read read(BpfProgram tldRead) {
		byte[] ctx = new byte[64];
		int rc = tldRead.testRun(ctx);
		if (rc != 0) {
			throw new AssertionError("tld_read returned " + rc);
		}
		ByteBuffer b = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
		int n = 0;
		while (n < 32 && ctx[32 + n] != 0) {
			n++;
		}
		return new Read(b.getInt(0), b.getInt(4), b.getLong(8), b.getLong(16), b.getLong(24),
				new String(ctx, 32, n, StandardCharsets.UTF_8), ctx);
	}

	/**
	 * Run {@code task} on a new platform thread (which registers afresh) and return its
	 * result.
	 * @throws AssertionError with the thread's failure as cause, if it failed
	 */
	static <T> T onNewThread(java.util.concurrent.Callable<T> task) throws InterruptedException {
		java.util.concurrent.atomic.AtomicReference<T> result = new java.util.concurrent.atomic.AtomicReference<>();
		java.util.concurrent.atomic.AtomicReference<Throwable> error = new java.util.concurrent.atomic.AtomicReference<>();
		Thread t = new Thread(() -> {
			try {
				result.set(task.call());
			}
			catch (Throwable ex) {
				error.set(ex);
			}
		});
		t.start();
		t.join();
		if (error.get() != null) {
			throw new AssertionError("the thread failed: " + error.get(), error.get());
		}
		return result.get();
	}

	/**
	 * Bytes mapped by all blocks of the JVM once the garbage is collected: blocks of
	 * handles nobody references any more (threads of closed instances) are unmapped by a
	 * cleaner, asynchronously, so wait until the count stops moving: unchanged over five
	 * rounds of collection (one quiet round proved not enough in a full build:
	 * ThreadLifecycleTest once saw six blocks of earlier tests unmapped after it had
	 * settled).
	 */
	static long settledMappedBytes() throws InterruptedException {
		long now = dev.tld.core.internal.NativeBlock.mappedBytes();
		for (int i = 0, unchanged = 0; i < 100 && unchanged < 5; i++) {
			System.gc();
			Thread.sleep(20);
			long last = now;
			now = dev.tld.core.internal.NativeBlock.mappedBytes();
			unchanged = (now == last) ? unchanged + 1 : 0;
		}
		return now;
	}

	/**
	 * Open pidfds of this process: fds whose target is {@code anon_inode:[pidfd]}. Unlike
	 * {@link #openFds()}, not moved by the JVM opening a jar or a socket meanwhile.
	 */
	static int openPidfds() {
		try (var s = Files.list(Path.of("/proc/self/fd"))) {
			return (int) s.filter((fd) -> {
				try {
					return Files.readSymbolicLink(fd).toString().equals("anon_inode:[pidfd]");
				}
				catch (IOException ex) {
					return false; // closed meanwhile (the listing's own fd, say)
				}
			}).count();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Open file descriptors of this process. */
	static int openFds() {
		try (var s = Files.list(Path.of("/proc/self/fd"))) {
			return (int) s.count();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
