// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tld.test.BpfPins;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pin path rule, and what {@link PinPath} accepts on disk: a directory of its own
 * that it creates with mode 0700, nothing planted, linked or widened by anyone else,
 * nothing outside bpffs; and nothing left behind when it refuses. The planted files here
 * are given to {@code nobody} with {@code chown}; the starter's attack tests have
 * {@code nobody} plant them.
 */
class PinPathTest {

	private final List<Path> cleanup = new ArrayList<>();

	@AfterEach
	void clean() throws IOException {
		for (Path p : this.cleanup) {
			if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
				continue;
			}
			if (Files.isSymbolicLink(p) || !Files.isDirectory(p)) {
				Files.delete(p);
				continue;
			}
			try (Stream<Path> s = Files.walk(p)) {
				for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
					Files.delete(f);
				}
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "/sys/fs/bpf/tld/tld_data_map", "/sys/fs/bpf/a/b/c", "/run/bpf/svc-1/map_2",
			"/sys/fs/bpf/with.dot/above/pin" })
	void wellSpelledPaths(String path) {
		assertNull(PinPath.problem(path), path);
		assertEquals(Path.of(path), PinPath.of(path).path());
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "relative/pin", "/sys/fs/bpf/tld/", "/sys/fs/bpf//tld/pin", "/sys/fs/bpf/../tmp/pin",
			"/sys/fs/bpf/tld/../pin", "/sys/fs/bpf/./tld/pin", "/pin", "/sys/fs/bpf/tld/pin.v2",
			"/sys/fs/bpf/my.dir/pin", "/sys/fs/bpf/tld/pin\n" })
	void badlySpelledPaths(String path) {
		String problem = PinPath.problem(path);
		assertNotNull(problem, path);
		PinRefusedException ex = assertThrows(PinRefusedException.class, () -> PinPath.of(path));
		assertTrue(ex.getMessage().contains(problem), ex.getMessage());
		assertEquals(Errno.EACCES, ex.errno());
	}

	@Test
	void theRuleSaysWhatIsWrong() {
		assertTrue(PinPath.problem("/sys/fs/bpf/x/../y").contains("'..'"));
		assertTrue(PinPath.problem("/sys/fs/bpf/x/").contains("ends with '/'"));
		assertTrue(PinPath.problem("x/y").contains("not absolute"));
		assertTrue(PinPath.problem("/sys/fs/bpf/x/a.b").contains("bpffs refuses"));
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void createsItsDirectoryPrivateAndTheMapAndRemovesBothOnDiscard() throws Exception {
		Path dir = track(BpfPins.directory("tld-pinpath-fresh"));
		PinPath pin = PinPath.of(dir.resolve("tld_data_map").toString());
		pin.prepare();
		assertTrue(pin.createdDirectory());
		assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
		pin.ensureMap();
		assertTrue(pin.createdPin());
		assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pin.path())));
		try (BpfMap map = BpfMap.openPinned(pin.path())) {
			Attachments.checkCompatible(map);
		}
		// a second service of the same uid reuses both
		PinPath again = PinPath.of(pin.path().toString());
		again.prepare();
		again.ensureMap();
		assertFalse(again.createdDirectory() || again.createdPin(), "nothing created the second time");
		assertNull(again.discard(), "nothing to remove for the second one");
		assertTrue(Files.exists(pin.path()));
		assertNull(pin.discard());
		assertFalse(Files.exists(dir), "the first one removes what it created");
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void aDirectoryOfSomeoneElseIsRefusedAndLeftAlone() throws Exception {
		Path dir = track(BpfPins.directory("tld-pinpath-planted"));
		Files.createDirectory(dir);
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
		Files.setOwner(dir, users().lookupPrincipalByName("nobody"));
		PinPath pin = PinPath.of(dir.resolve("tld_data_map").toString());
		PinRefusedException ex = assertThrows(PinRefusedException.class, pin::prepare);
		assertTrue(ex.getMessage().contains("owned by uid 65534 (nobody)"), ex.getMessage());
		assertNull(pin.discard());
		assertTrue(Files.isDirectory(dir), "someone else's directory stays");
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void aWiderModeIsRefused() throws Exception {
		Path dir = track(BpfPins.directory("tld-pinpath-wide"));
		Files.createDirectory(dir);
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
		PinRefusedException ex = assertThrows(PinRefusedException.class,
				() -> PinPath.of(dir.resolve("tld_data_map").toString()).prepare());
		assertTrue(ex.getMessage().contains("mode 0750, wider than 0700"), ex.getMessage());
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void symbolicLinksAreRefused() throws Exception {
		Path other = track(BpfPins.directory("tld-pinpath-other"));
		Files.createDirectory(other,
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		Path link = track(BpfPins.directory("tld-pinpath-link"));
		Files.createSymbolicLink(link, other);
		PinRefusedException ex = assertThrows(PinRefusedException.class,
				() -> PinPath.of(link.resolve("tld_data_map").toString()).prepare());
		assertTrue(ex.getMessage().contains("is a symbolic link (to " + other + ")"), ex.getMessage());
		// the pin itself
		Path dir = track(BpfPins.directory("tld-pinpath-pinlink"));
		Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		Files.createSymbolicLink(dir.resolve("tld_data_map"), other.resolve("tld_data_map"));
		ex = assertThrows(PinRefusedException.class,
				() -> PinPath.of(dir.resolve("tld_data_map").toString()).prepare());
		assertTrue(ex.getMessage().contains("the pin " + dir.resolve("tld_data_map") + " is a symbolic link"),
				ex.getMessage());
		// a directory above
		ex = assertThrows(PinRefusedException.class,
				() -> PinPath.of(link.resolve("sub/tld_data_map").toString()).prepare());
		assertTrue(ex.getMessage().contains(link + " is a symbolic link"), ex.getMessage());
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void aPinOfSomeoneElseIsRefused() throws Exception {
		Path dir = track(BpfPins.directory("tld-pinpath-foreignpin"));
		PinPath mine = PinPath.of(dir.resolve("tld_data_map").toString());
		mine.prepare();
		mine.ensureMap();
		Files.setOwner(mine.path(), users().lookupPrincipalByName("nobody"));
		PinRefusedException ex = assertThrows(PinRefusedException.class,
				() -> PinPath.of(mine.path().toString()).prepare());
		assertTrue(ex.getMessage().contains("the pin " + mine.path() + " is owned by uid 65534 (nobody)"),
				ex.getMessage());
		Files.setOwner(mine.path(), users().lookupPrincipalByName("root"));
		Files.setPosixFilePermissions(mine.path(), PosixFilePermissions.fromString("rw-rw-rw-"));
		ex = assertThrows(PinRefusedException.class, () -> PinPath.of(mine.path().toString()).prepare());
		assertTrue(ex.getMessage().contains("mode 0666, wider than 0600"), ex.getMessage());
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void aDirectoryAboveThatOthersCanWriteIsRefused() throws Exception {
		Path above = track(BpfPins.directory("tld-pinpath-above"));
		Files.createDirectory(above);
		Files.setPosixFilePermissions(above, PosixFilePermissions.fromString("rwxrwxrwx"));
		PinRefusedException ex = assertThrows(PinRefusedException.class,
				() -> PinPath.of(above.resolve("tld/tld_data_map").toString()).prepare());
		assertTrue(ex.getMessage().contains(above + " is writable by others (mode 0777) and not sticky"),
				ex.getMessage());
		assertFalse(Files.exists(above.resolve("tld")), "nothing created");
	}

	@Test
	@EnabledOnBpf(bpffs = true)
	void outsideBpffsIsRefusedAndNothingIsCreated() throws Exception {
		Path dir = track(Path.of("/tmp", "tld-pinpath-" + ProcessHandle.current().pid()));
		PinRefusedException ex = assertThrows(PinRefusedException.class,
				() -> PinPath.of(dir.resolve("tld_data_map").toString()).prepare());
		assertTrue(ex.getMessage().contains("/tmp is not in bpffs (its filesystem type is 0x"), ex.getMessage());
		assertFalse(Files.exists(dir), "no directory created outside bpffs");
		ex = assertThrows(PinRefusedException.class, () -> PinPath.of("/sys/fs/bpf/tld_data_map").prepare());
		assertTrue(ex.getMessage().contains("/sys/fs/bpf is the root of a bpffs"), ex.getMessage());
	}

	private Path track(Path p) {
		this.cleanup.add(p);
		return p;
	}

	private static UserPrincipalLookupService users() {
		return Path.of("/").getFileSystem().getUserPrincipalLookupService();
	}

}
