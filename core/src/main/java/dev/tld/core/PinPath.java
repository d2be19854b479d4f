// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

import dev.tld.core.internal.Natives;

/**
 * Where a shared {@code tld_data_map} is pinned, so that nobody else can plant it: the
 * one rule for how such a path is spelled ({@link #problem(String)}), then, before a map
 * is pinned or reused there, checks of what is on disk and the creation of the pin's
 * directory ({@link #prepare()}), and the map itself ({@link #ensureMap()}).
 * <p>
 * The pin's file mode is the only thing that keeps other processes from writing the map
 * (a process without {@code CAP_BPF} can open a pin its mode lets it open, then update
 * and delete elements), and bpffs's root is world-writable (1777): anyone can create a
 * directory or a symbolic link at a pin path before the service starts. Hence:
 * <ul>
 * <li>the pin lives in a directory of its own, created by this process with mode 0700; an
 * existing directory is used only if it is owned by this process's effective uid and its
 * mode is no wider than 0700;</li>
 * <li>neither the pin, nor its directory, nor any directory above it may be a symbolic
 * link; every directory above it is owned by root or by this uid, and writable by others
 * only if sticky (as bpffs's root is);</li>
 * <li>the directory's parent must be in bpffs (its {@code statfs} type is
 * {@link #BPF_FS_MAGIC});</li>
 * <li>an existing pin must be owned by this uid and readable or writable by nobody
 * else.</li>
 * </ul>
 * Whatever {@link #prepare()} and {@link #ensureMap()} created is removed again by
 * {@link #discard()}: a refused or failed pin leaves nothing behind.
 */
public final class PinPath {

	/** {@code BPF_FS_MAGIC}: the {@code statfs} type of bpffs. */
	public static final long BPF_FS_MAGIC = 0xcafe4a11L;

	/** {@code SYSFS_MAGIC}: what /sys/fs/bpf is when bpffs is not mounted there. */
	private static final long SYSFS_MAGIC = 0x62656572L;

	private static final int PATH_MAX = 4095;

	private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
			PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
			PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

	private final Path path;

	private boolean createdDirectory;

	private boolean createdPin;

	private PinPath(Path path) {
		this.path = path;
	}

	/**
	 * What is wrong with how a pin path is spelled: the one rule, shared by whoever takes
	 * a pin path as input. A pin path is absolute and normal (no empty, {@code .} or
	 * {@code ..} segment, no trailing slash), names a pin inside a directory of its own
	 * (at least two segments), and neither the pin nor its directory has a dot in its
	 * name (bpffs refuses such names).
	 * @param spelling the path as configured
	 * @return why it cannot be a pin path, or null if it can
	 */
	public static @Nullable String problem(@Nullable String spelling) {
		if (spelling == null || spelling.isEmpty()) {
			return "is empty";
		}
		if (spelling.length() > PATH_MAX) {
			return "is longer than " + PATH_MAX + " characters";
		}
		for (int i = 0; i < spelling.length(); i++) {
			if (Character.isISOControl(spelling.charAt(i))) {
				return "contains a control character";
			}
		}
		if (!spelling.startsWith("/")) {
			return "is not absolute";
		}
		if (spelling.endsWith("/")) {
			return "ends with '/': it must name the pin, a file, not a directory";
		}
		String[] segments = spelling.substring(1).split("/", -1);
		for (String s : segments) {
			if (s.isEmpty()) {
				return "has an empty segment ('//')";
			}
			if (s.equals(".") || s.equals("..")) {
				return "has a '" + s + "' segment: give the path it resolves to";
			}
		}
		if (segments.length < 2) {
			return "names no directory for the pin: it needs one of its own, e.g. /sys/fs/bpf/tld/tld_data_map";
		}
		for (int i = segments.length - 2; i < segments.length; i++) {
			if (segments[i].indexOf('.') >= 0) {
				return "has a '.' in '" + segments[i] + "', which bpffs refuses in names";
			}
		}
		return null;
	}

	/**
	 * A pin path, spelled right.
	 * @param spelling the path as configured
	 * @return the pin path; nothing is checked on disk yet
	 * @throws PinRefusedException if {@link #problem(String)} finds something
	 */
	public static PinPath of(String spelling) {
		String problem = problem(spelling);
		if (problem != null) {
			throw new PinRefusedException("pin path '" + spelling + "' " + problem);
		}
		return new PinPath(Path.of(spelling));
	}

	/**
	 * The pin.
	 * @return its path
	 */
	public Path path() {
		return this.path;
	}

	/**
	 * The pin's directory.
	 * @return the pin's parent
	 */
	public Path directory() {
		return parentOf(this.path);
	}

	/**
	 * Check the directories above the pin and the pin itself, and create the pin's
	 * directory with mode 0700 if it is absent.
	 * @throws PinRefusedException naming the first thing that is not safe
	 */
	public void prepare() {
		Path dir = directory();
		Path parent = parentOf(dir);
		int uid = Natives.get().libc().geteuid();
		for (Path p = parent; p != null; p = p.getParent()) {
			checkAncestor(p, uid);
		}
		long type = filesystemType(parent);
		if (type != BPF_FS_MAGIC && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
				&& filesystemType(dir) == BPF_FS_MAGIC) {
			throw refused(dir + " is the root of a bpffs, which others may write to: give the pin a directory of its"
					+ " own, e.g. " + dir.resolve("tld").resolve(this.path.getFileName()));
		}
		if (type != BPF_FS_MAGIC) {
			throw refused(parent + " is not in bpffs (its filesystem type is 0x" + Long.toHexString(type) + ")"
					+ ((type == SYSFS_MAGIC && parent.toString().startsWith("/sys/fs/bpf"))
							? "; bpffs is not mounted" + " at /sys/fs/bpf: mount -t bpf bpf /sys/fs/bpf" : ""));
		}
		PosixFileAttributes attrs = attributes(dir);
		if (attrs == null) {
			try {
				Files.createDirectory(dir,
						PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
				this.createdDirectory = true;
			}
			catch (FileAlreadyExistsException ex) {
				// planted meanwhile: checked below like any other
			}
			catch (IOException ex) {
				throw refused("cannot create the pin directory " + dir + ": " + ex);
			}
			attrs = attributes(dir);
			if (attrs == null) {
				throw refused("the pin directory " + dir + " vanished as it was created");
			}
		}
		checkPrivate(dir, attrs, uid, "pin directory", true);
		PosixFileAttributes pin = attributes(this.path);
		if (pin != null) {
			checkPrivate(this.path, pin, uid, "pin", false);
		}
	}

	/**
	 * After {@link #prepare()}: if nothing is pinned at the path, create a
	 * {@code tld_data_map} ({@code tld_map.bpf.o}) and pin it there; a map already pinned
	 * is left for the caller to open (and check).
	 * @throws BpfException if the map cannot be created or pinned
	 * @throws PinRefusedException if the new pin is not private to this uid
	 */
	public void ensureMap() {
		if (Files.exists(this.path, LinkOption.NOFOLLOW_LINKS)) {
			return;
		}
		try (BpfObject object = BpfObject.openResource(PinPath.class.getClassLoader(), ElementAudit.OBJECT_RESOURCE)) {
			object.pinMap("tld_data_map", this.path);
			object.load();
			this.createdPin = true;
		}
		catch (BpfException ex) {
			// another process of this uid pinned one meanwhile: use that
			if (!Files.exists(this.path, LinkOption.NOFOLLOW_LINKS)) {
				throw ex;
			}
		}
		PosixFileAttributes pin = attributes(this.path);
		if (pin == null) {
			throw refused("the pin " + this.path + " vanished as it was created");
		}
		checkPrivate(this.path, pin, Natives.get().libc().geteuid(), "pin", false);
	}

	/**
	 * Remove what {@link #prepare()} and {@link #ensureMap()} created: the pin, then the
	 * directory if it is empty. Call when what follows fails.
	 * @return what could not be removed, or null if everything was
	 */
	public @Nullable String discard() {
		StringBuilder left = new StringBuilder();
		if (this.createdPin) {
			try {
				Files.deleteIfExists(this.path);
				this.createdPin = false;
			}
			catch (IOException ex) {
				left.append("cannot remove the pin ").append(this.path).append(": ").append(ex);
			}
		}
		if (this.createdDirectory) {
			try {
				Files.deleteIfExists(directory());
				this.createdDirectory = false;
			}
			catch (DirectoryNotEmptyException ex) {
				left.append((left.length() > 0) ? "; " : "").append(directory()).append(" is not empty any more");
			}
			catch (IOException ex) {
				left.append((left.length() > 0) ? "; " : "")
					.append("cannot remove ")
					.append(directory())
					.append(": ")
					.append(ex);
			}
		}
		return (left.length() > 0) ? left.toString() : null;
	}

	/**
	 * Whether {@link #prepare()} created the pin's directory.
	 * @return true if it did (and {@link #discard()} has not removed it)
	 */
	public boolean createdDirectory() {
		return this.createdDirectory;
	}

	/**
	 * Whether {@link #ensureMap()} created and pinned the map.
	 * @return true if it did (and {@link #discard()} has not removed it)
	 */
	public boolean createdPin() {
		return this.createdPin;
	}

	@Override
	public String toString() {
		return this.path.toString();
	}

	private void checkAncestor(Path p, int uid) {
		PosixFileAttributes a = attributes(p);
		if (a == null) {
			throw refused(
					p + " does not exist" + (p.toString().equals("/sys/fs/bpf") ? " (bpffs is not mounted)" : ""));
		}
		if (a.isSymbolicLink()) {
			throw refused(p + " is a symbolic link: give the path it resolves to");
		}
		if (!a.isDirectory()) {
			throw refused(p + " is not a directory");
		}
		int owner = uid(p);
		if (owner != 0 && owner != uid) {
			throw refused(p + " is owned by " + ownerName(p, owner) + ", neither root nor this process (uid " + uid
					+ "): its owner could move the pin directory");
		}
		Set<PosixFilePermission> perms = a.permissions();
		boolean othersWrite = perms.contains(PosixFilePermission.GROUP_WRITE)
				|| perms.contains(PosixFilePermission.OTHERS_WRITE);
		if (othersWrite && !sticky(p)) {
			throw refused(p + " is writable by others (mode " + mode(perms) + ") and not sticky: they could move the"
					+ " pin directory");
		}
	}

	private void checkPrivate(Path p, PosixFileAttributes a, int uid, String what, boolean directory) {
		if (a.isSymbolicLink()) {
			throw refused("the " + what + " " + p + " is a symbolic link (to " + target(p) + ")");
		}
		if (directory && !a.isDirectory()) {
			throw refused("the " + what + " " + p + " is not a directory");
		}
		if (!directory && !a.isRegularFile()) {
			throw refused("the " + what + " " + p + " is not a pinned object");
		}
		int owner = uid(p);
		if (owner != uid) {
			throw refused("the " + what + " " + p + " is owned by " + ownerName(p, owner)
					+ ", not by this process's uid " + uid);
		}
		Set<PosixFilePermission> perms = a.permissions();
		for (PosixFilePermission x : perms) {
			if (OTHERS.contains(x)) {
				throw refused("the " + what + " " + p + " has mode " + mode(perms) + ", wider than "
						+ (directory ? "0700" : "0600") + ": others could reach the map");
			}
		}
	}

	private PinRefusedException refused(String reason) {
		return new PinRefusedException("pin " + this.path + " refused: " + reason);
	}

	private static Path parentOf(Path p) {
		Path parent = p.getParent();
		if (parent == null) {
			throw new PinRefusedException(p + " has no parent directory");
		}
		return parent;
	}

	private static @Nullable PosixFileAttributes attributes(Path p) {
		try {
			return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
		}
		catch (NoSuchFileException ex) {
			return null;
		}
		catch (IOException ex) {
			throw new PinRefusedException("cannot inspect " + p + ": " + ex);
		}
	}

	private static int uid(Path p) {
		try {
			return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
		}
		catch (IOException | RuntimeException ex) {
			throw new PinRefusedException("cannot read the owner of " + p + ": " + ex);
		}
	}

	private static boolean sticky(Path p) {
		try {
			int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
			return (mode & 01000) != 0;
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

	private static String ownerName(Path p, int uid) {
		try {
			String name = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
			return name.equals(String.valueOf(uid)) ? "uid " + uid : "uid " + uid + " (" + name + ")";
		}
		catch (IOException ex) {
			return "uid " + uid;
		}
	}

	private static String target(Path link) {
		try {
			return Files.readSymbolicLink(link).toString();
		}
		catch (IOException ex) {
			return "?";
		}
	}

	private static String mode(Set<PosixFilePermission> perms) {
		int m = 0;
		for (PosixFilePermission x : perms) {
			m |= 1 << (8 - x.ordinal());
		}
		return String.format("0%03o", m);
	}

	/** The {@code statfs} type of the filesystem {@code p} is in. */
	private long filesystemType(Path p) {
		Natives n = Natives.get();
		Pointer buf = n.allocate(256);
		int rc = n.libc().statfs(p.toString(), buf);
		if (rc != 0) {
			throw refused("cannot statfs " + p + ": " + n.strerror(n.errno()));
		}
		return buf.getLong(0) & 0xffff_ffffL;
	}

}
