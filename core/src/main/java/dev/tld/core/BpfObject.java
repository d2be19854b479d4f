// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jnr.ffi.Pointer;

import dev.tld.core.internal.Natives;

/**
 * A BPF object file (ELF) opened with libbpf: open it, optionally pin maps,
 * {@link #load()} it, then use its {@linkplain #map(String) maps} and
 * {@linkplain #program(String) programs}. Closing the object destroys what it created,
 * except pinned maps.
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.openResource("/dev/tld/bpf/tld_map.bpf.o")) {
 *     obj.pinMap("tld_data_map", Path.of("/sys/fs/bpf/tld/tld_data_map"));
 *     obj.load();
 *     tld.attach(obj.map("tld_data_map"));
 * }
 * }</pre>
 */
public final class BpfObject implements AutoCloseable {

	/** {@code offsetof(struct bpf_object_open_opts, object_name)}; checked by a test. */
	static final int OPEN_OPTS_OBJECT_NAME = 8;

	private final String name;

	private final Pointer obj;

	/** The ELF image: libbpf may refer to it until the object is closed. */
	private final Pointer image;

	private final Map<String, BpfMap> maps = new LinkedHashMap<>();

	private final List<BpfLink> links = new ArrayList<>();

	private boolean loaded;

	private volatile boolean closed;

	private BpfObject(String name, Pointer obj, Pointer image) {
		this.name = name;
		this.obj = obj;
		this.image = image;
	}

	/**
	 * Open an object from the classpath.
	 * @param resource absolute resource name, e.g. {@code /dev/tld/bpf/tld_map.bpf.o}
	 * @return the opened (not yet loaded) object
	 * @throws BpfException if the resource is missing or libbpf rejects it
	 */
	public static BpfObject openResource(String resource) {
		return openResource(BpfObject.class.getClassLoader(), resource);
	}

	/**
	 * Open an object from a class loader's resources.
	 * @param loader the class loader to read the resource from
	 * @param resource resource name, e.g. {@code /dev/tld/bpf/tld_map.bpf.o} (a leading
	 * slash is optional)
	 * @return the opened (not yet loaded) object
	 * @throws BpfException if the resource is missing or libbpf rejects it
	 */
	public static BpfObject openResource(ClassLoader loader, String resource) {
		String name = resource.startsWith("/") ? resource.substring(1) : resource;
		try (InputStream in = loader.getResourceAsStream(name)) {
			if (in == null) {
				throw new BpfException("BPF object " + resource + " is not on the classpath", Errno.ENOENT);
			}
			String simple = resource.substring(resource.lastIndexOf('/') + 1);
			return open(simple, in.readAllBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read BPF object " + resource, ex);
		}
	}

	/**
	 * Open an object from its ELF bytes.
	 * @param name a name for messages and for libbpf (its maps' kernel names derive from
	 * it)
	 * @param elf the object file's bytes
	 * @return the opened (not yet loaded) object
	 */
	public static BpfObject open(String name, byte[] elf) {
		Natives n = Natives.get();
		Pointer image = n.allocate(elf.length);
		image.put(0, elf, 0, elf.length);
		// struct bpf_object_open_opts { size_t sz; const char *object_name; ... }
		Pointer objectName = n.allocate(name.length() + 1);
		objectName.putString(0, objNameOf(name), name.length() + 1, java.nio.charset.StandardCharsets.US_ASCII);
		// sz covers the fields up to object_name: libbpf reads the rest as zero
		Pointer opts = n.allocate(OPEN_OPTS_OBJECT_NAME + 8);
		opts.putLong(0, OPEN_OPTS_OBJECT_NAME + 8);
		opts.putAddress(OPEN_OPTS_OBJECT_NAME, objectName.address());
		long mark = n.logMark();
		Pointer obj = n.libbpf().bpf_object__open_mem(image, elf.length, opts);
		if (obj == null) {
			int errno = n.errno();
			throw new BpfException("cannot open BPF object " + name + ": " + n.strerror(errno) + log(n, mark), errno);
		}
		return new BpfObject(name, obj, image);
	}

	private static String objNameOf(String name) {
		return name.endsWith(".bpf.o") ? name.substring(0, name.length() - ".bpf.o".length()) : name;
	}

	/**
	 * Have libbpf reuse the map pinned at {@code path} if one is there and compatible, or
	 * pin the map it creates there. Call before {@link #load()}.
	 * @param mapName the map's name in the object
	 * @param path a path in bpffs
	 */
	public void pinMap(String mapName, Path path) {
		checkState(false);
		Natives n = Natives.get();
		int rc = n.libbpf().bpf_map__set_pin_path(rawMap(mapName), path.toString());
		if (rc < 0) {
			throw new BpfException("cannot set pin path of map '" + mapName + "': " + n.strerror(rc), -rc);
		}
	}

	/**
	 * Have the object use an existing map instead of creating its own. Call before
	 * {@link #load()}.
	 * @param mapName the map's name in the object
	 * @param map a compatible map
	 */
	public void reuseMap(String mapName, BpfMap map) {
		checkState(false);
		Natives n = Natives.get();
		int rc = n.libbpf().bpf_map__reuse_fd(rawMap(mapName), map.fd());
		if (rc < 0) {
			throw new BpfException("cannot reuse " + map + " for '" + mapName + "': " + n.strerror(rc), -rc);
		}
	}

	/**
	 * Create the maps and load the programs into the kernel.
	 * @throws BpfException with the verifier's last words if the kernel refuses
	 */
	public void load() {
		checkState(false);
		Natives n = Natives.get();
		long mark = n.logMark();
		int rc = n.libbpf().bpf_object__load(this.obj);
		if (rc < 0) {
			throw new BpfException("cannot load BPF object " + this.name + ": " + n.strerror(rc) + log(n, mark), -rc);
		}
		this.loaded = true;
	}

	/**
	 * A map of the loaded object.
	 * @param mapName name in the object
	 * @return the map, owned by this object
	 */
	public synchronized BpfMap map(String mapName) {
		checkState(true);
		return this.maps.computeIfAbsent(mapName, (k) -> {
			int fd = Natives.get().libbpf().bpf_map__fd(rawMap(k));
			if (fd < 0) {
				throw new BpfException("map '" + k + "' of " + this.name + " has no fd", -fd);
			}
			return new BpfMap(fd, this);
		});
	}

	/**
	 * A program of the loaded object.
	 * @param programName the C function's name
	 * @return the program
	 */
	public BpfProgram program(String programName) {
		checkState(true);
		Pointer p = Natives.get().libbpf().bpf_object__find_program_by_name(this.obj, programName);
		if (p == null) {
			throw new BpfException("BPF object " + this.name + " has no program '" + programName + "'", Errno.ENOENT);
		}
		return new BpfProgram(this, programName, p);
	}

	/**
	 * Names of the object's programs.
	 * @return program names in ELF order
	 */
	public List<String> programNames() {
		List<String> names = new ArrayList<>();
		Natives n = Natives.get();
		for (Pointer p = n.libbpf().bpf_object__next_program(this.obj, null); p != null; p = n.libbpf()
			.bpf_object__next_program(this.obj, p)) {
			names.add(n.libbpf().bpf_program__name(p));
		}
		return names;
	}

	/**
	 * The object's name.
	 * @return the name given at open
	 */
	public String name() {
		return this.name;
	}

	synchronized void track(BpfLink link) {
		this.links.add(link);
	}

	/**
	 * Whether {@link #close()} was called; the object's maps and programs are then
	 * unusable.
	 * @return true once closed
	 */
	public boolean isClosed() {
		return this.closed;
	}

	/**
	 * Detach the programs attached through this object and free the object. The maps and
	 * programs it handed out refuse every further use ({@link IllegalStateException}):
	 * their fds are closed, and the numbers may soon name other files.
	 */
	@Override
	public synchronized void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		for (BpfLink link : this.links) {
			link.close();
		}
		Natives.get().libbpf().bpf_object__close(this.obj);
		this.image.address(); // keeps the image reachable up to here
	}

	private Pointer rawMap(String mapName) {
		Pointer m = Natives.get().libbpf().bpf_object__find_map_by_name(this.obj, mapName);
		if (m == null) {
			throw new BpfException("BPF object " + this.name + " has no map '" + mapName + "'", Errno.ENOENT);
		}
		return m;
	}

	private void checkState(boolean mustBeLoaded) {
		if (this.closed) {
			throw new IllegalStateException("BPF object " + this.name + " is closed");
		}
		if (mustBeLoaded != this.loaded) {
			throw new IllegalStateException(
					"BPF object " + this.name + (mustBeLoaded ? " is not loaded yet" : " is already loaded"));
		}
	}

	static String log(Natives n, long mark) {
		List<String> lines = n.logSince(mark);
		if (lines.isEmpty()) {
			return "";
		}
		int from = Math.max(0, lines.size() - 30);
		return "\nlibbpf said:\n  " + String.join("\n  ", lines.subList(from, lines.size()));
	}

}
