// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.BpfTestSupport.Read;

import dev.tld.test.BpfPins;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several maps at once, maps attached after threads registered, a pinned map replaced by
 * a restarted tool, and detaching.
 */
@EnabledOnBpf
class MapLifecycleTest {

	private static final int ENODATA = -61;

	private TaskLocalData tld;

	private TldKey value;

	/**
	 * One long-lived thread, registered once: it must follow map changes without doing
	 * anything.
	 */
	private ExecutorService worker;

	private Path pinDir;

	@BeforeEach
	void create() throws Exception {
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.value = this.tld.defineKey("test.value", 8);
		this.worker = Executors.newSingleThreadExecutor();
		on(() -> {
			this.tld.currentThread().putLong(this.value, 4242);
			return null;
		});
	}

	@AfterEach
	void close() throws IOException {
		if (this.worker != null) {
			this.worker.shutdownNow();
		}
		if (this.tld != null) {
			this.tld.close();
		}
		if (this.pinDir != null) {
			try (var files = Files.list(this.pinDir)) {
				for (Path p : files.toList()) {
					Files.deleteIfExists(p);
				}
			}
			Files.deleteIfExists(this.pinDir);
		}
	}

	private <T> T on(Callable<T> task) throws Exception {
		return this.worker.submit(task).get(30, TimeUnit.SECONDS);
	}

	private Read readOnWorker(BpfObject obj) throws Exception {
		BpfProgram read = obj.program("tld_read");
		return on(() -> BpfTestSupport.read(read));
	}

	@Test
	void threadRegisteredBeforeAttachIsSeenThroughEverySecondMap() throws Exception {
		try (BpfObject a = BpfTestSupport.loadReader(); BpfObject b = BpfTestSupport.loadReader()) {
			assertEquals(ENODATA, readOnWorker(a).initErr(), "not attached yet");
			assertEquals(0, this.tld.attach(a.map("tld_data_map")));
			assertEquals(0, this.tld.attach(b.map("tld_data_map")));
			assertNotEquals(a.map("tld_data_map").id(), b.map("tld_data_map").id(), "two distinct maps");
			assertEquals(4242, readOnWorker(a).value(), "through the first map");
			assertEquals(4242, readOnWorker(b).value(), "through the second map");
			assertEquals(2, this.tld.maps().size());

			assertTrue(this.tld.detach(a.map("tld_data_map")));
			assertEquals(ENODATA, readOnWorker(a).initErr(), "detached map no longer has the thread");
			assertEquals(4242, readOnWorker(b).value(), "the other map still does");
		}
	}

	@Test
	void attachingTheSameMapTwiceIsRefused() {
		try (BpfObject a = BpfTestSupport.loadReader()) {
			this.tld.attach(a.map("tld_data_map"));
			IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
					() -> this.tld.attach(a.map("tld_data_map")));
			assertTrue(ex.getMessage().contains("already attached"), ex.getMessage());
		}
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void replacedPinnedMapGetsEveryThreadRegisteredAgain() throws Exception {
		this.pinDir = Files.createDirectories(BpfPins.directory("tld-test"));
		Path pin = this.pinDir.resolve("tld_data_map");

		// The first tool creates and pins the map; a second tool reuses it.
		BpfObject first = BpfTestSupport.openReader();
		first.pinMap("tld_data_map", pin);
		first.load();
		int firstId = first.map("tld_data_map").id();
		this.tld.attachPinned(pin);
		try (BpfObject reuser = BpfTestSupport.openReader()) {
			reuser.pinMap("tld_data_map", pin);
			reuser.load();
			assertEquals(firstId, reuser.map("tld_data_map").id(), "the second tool reuses the pinned map");
			assertEquals(4242, readOnWorker(reuser).value());
		}

		// The tool restarts: old map unpinned and gone, a new one pinned at the same
		// path.
		Files.delete(pin);
		first.close();
		this.tld.maintain();
		assertTrue(String.valueOf(this.tld.lastError()).contains("is gone"),
				"pin gone is reported: " + this.tld.lastError());
		try (BpfObject restarted = BpfTestSupport.openReader()) {
			restarted.pinMap("tld_data_map", pin);
			restarted.load();
			assertNotEquals(firstId, restarted.map("tld_data_map").id(), "a fresh map");
			assertEquals(ENODATA, readOnWorker(restarted).initErr(), "not registered before maintenance");
			this.tld.maintain();
			assertEquals(4242, readOnWorker(restarted).value(), "registered again, without the thread doing anything");
			assertEquals(restarted.map("tld_data_map").id(), this.tld.maps().get(0).id());
			assertEquals(1, this.tld.maps().size(), "the old map was released");
		}
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void explicitlyAttachedMapStaysWhenThePinMovesOn() throws Exception {
		this.pinDir = Files.createDirectories(BpfPins.directory("tld-test"));
		Path pin = this.pinDir.resolve("tld_data_map");
		try (BpfObject mine = BpfTestSupport.openReader()) {
			mine.pinMap("tld_data_map", pin);
			mine.load();
			// what the starter does: its own programs read the object's map, and it
			// follows the pin
			this.tld.attach(mine.map("tld_data_map"));
			this.tld.attachPinned(pin);
			assertEquals(1, this.tld.maps().size(), "the pinned map is the object's own: attached once");
			Files.delete(pin);
			try (BpfObject other = BpfTestSupport.openReader()) {
				other.pinMap("tld_data_map", pin);
				other.load();
				this.tld.maintain();
				assertEquals(2, this.tld.maps().size(), "the new pinned map is added");
				assertEquals(4242, readOnWorker(other).value(), "the restarted tool sees the thread");
				assertEquals(4242, readOnWorker(mine).value(), "our own programs still do");
				Files.delete(pin);
				try (BpfObject third = BpfTestSupport.openReader()) {
					third.pinMap("tld_data_map", pin);
					third.load();
					this.tld.maintain();
					assertEquals(2, this.tld.maps().size(), "the map attached for the old pin was released");
					assertEquals(ENODATA, readOnWorker(other).initErr(), "the replaced tool's map no longer has it");
					assertEquals(4242, readOnWorker(third).value());
					assertEquals(4242, readOnWorker(mine).value());
				}
			}
		}
	}

	@Test
	void mapThatDoesNotPinUptrsIsRefused() throws Exception {
		try (BpfObject plain = BpfObject.openResource("/bpf/tld_nouptr.bpf.o")) {
			plain.load();
			BpfException ex = org.junit.jupiter.api.Assertions.assertThrows(BpfException.class,
					() -> this.tld.attach(plain.map("tld_data_map")));
			assertTrue(ex.getMessage().contains("UPTR"), ex.getMessage());
			assertEquals(Errno.EOPNOTSUPP, ex.errno());
			assertEquals(0, this.tld.maps().size(), "not left attached");
		}
	}

	@Test
	void mapThatDoesNotPinUptrsIsRefusedBeforeAnyThreadRegistered() throws Exception {
		try (BpfObject plain = BpfObject.openResource("/bpf/tld_nouptr.bpf.o");
				TaskLocalData fresh = TaskLocalData.create(Duration.ZERO)) {
			plain.load();
			assertEquals(0, fresh.registeredThreads());
			BpfException ex = org.junit.jupiter.api.Assertions.assertThrows(BpfException.class,
					() -> fresh.attach(plain.map("tld_data_map")));
			assertEquals(Errno.EOPNOTSUPP, ex.errno(), ex.getMessage());
			assertEquals(List.of(), fresh.maps(), "not left attached");
			TldThread later = BpfTestSupport.onNewThread(fresh::currentThread);
			assertTrue(later.isRegistered(), "a later thread registers with no map: " + later.registrationError());
			assertEquals(0, fresh.registrationFailures());
		}
	}

	@Test
	void closingAnObjectInvalidatesItsMapsAndPrograms() {
		BpfObject obj = BpfTestSupport.loadReader();
		BpfMap map = obj.map("tld_data_map");
		BpfProgram prog = obj.program("tld_read");
		int fd = map.fd();
		assertTrue(fd > 0 && prog.fd() > 0);
		obj.close();
		assertTrue(obj.isClosed() && map.isClosed());
		IllegalStateException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, map::fd);
		assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
		org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> map.lookup(new byte[4]));
		org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, prog::fd);
		org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, prog::attach);
		org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> prog.testRun(new byte[64]));
		org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> this.tld.attach(map),
				"a closed map cannot be attached");
	}

}
