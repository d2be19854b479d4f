// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

/**
 * The maps threads are registered with, and the pins followed so that a map pinned anew
 * at a path gets every thread too. Callers hold the instance's lock for every change; the
 * lists are copy-on-write so that registration can iterate them at any time.
 */
final class Attachments {

	private final List<Attachment> maps = new CopyOnWriteArrayList<>();

	private final List<PinWatch> pins = new CopyOnWriteArrayList<>();

	/** The maps, in attachment order. */
	List<BpfMap> maps() {
		List<BpfMap> list = new ArrayList<>();
		for (Attachment a : this.maps) {
			list.add(a.map);
		}
		return Collections.unmodifiableList(list);
	}

	@Nullable Attachment find(int mapId) {
		for (Attachment a : this.maps) {
			if (a.map.id() == mapId) {
				return a;
			}
		}
		return null;
	}

	boolean contains(Attachment a) {
		return this.maps.contains(a);
	}

	void add(Attachment a) {
		this.maps.add(a);
	}

	void remove(Attachment a) {
		this.maps.remove(a);
	}

	List<Attachment> all() {
		return List.copyOf(this.maps);
	}

	void watch(PinWatch w) {
		this.pins.add(w);
	}

	List<PinWatch> pins() {
		return this.pins;
	}

	void clearPins() {
		this.pins.clear();
	}

	static void checkCompatible(BpfMap map) {
		if (map.type() != BpfMap.TYPE_TASK_STORAGE || map.keySize() != 4
				|| map.valueSize() != TldLayout.MAP_VALUE_SIZE) {
			throw new IllegalArgumentException(map + " is not a tld_data_map of ABI version " + TldLayout.ABI_VERSION
					+ ": expected a task storage map (type " + BpfMap.TYPE_TASK_STORAGE + ") with 4-byte keys and "
					+ TldLayout.MAP_VALUE_SIZE + "-byte values, got type " + map.type() + ", key size " + map.keySize()
					+ ", value size " + map.valueSize());
		}
	}

	/**
	 * A map threads are registered with; {@code owned} if the instance opened its fd. The
	 * map's audit is loaded on first use and closed with the attachment.
	 */
	static final class Attachment {

		final BpfMap map;

		final boolean owned;

		private @Nullable ElementAudit audit;

		private boolean auditUnavailable;

		Attachment(BpfMap map, boolean owned) {
			this.map = map;
			this.owned = owned;
		}

		/**
		 * The map's audit, loaded on first use; null (said once, in the instance's last
		 * error) if it cannot be loaded. Callers hold the instance's lock.
		 */
		@Nullable ElementAudit audit(Instance owner) {
			if (this.audit == null && !this.auditUnavailable) {
				try {
					this.audit = ElementAudit.of(this.map);
				}
				catch (RuntimeException ex) {
					this.auditUnavailable = true;
					owner.error("cannot audit the elements of " + this.map + ": " + ex.getMessage());
				}
			}
			return this.audit;
		}

		/** Release the audit; the map is closed by whoever owns it. */
		void closeAudit() {
			ElementAudit a = this.audit;
			this.audit = null;
			if (a != null) {
				a.close();
			}
		}

	}

	/** A pin followed by maintenance. */
	static final class PinWatch {

		final Path path;

		int mapId;

		/**
		 * The attachment made because of this pin, if the map was not attached already.
		 */
		@Nullable Attachment attached;

		PinWatch(Path path, int mapId) {
			this.path = path;
			this.mapId = mapId;
		}

	}

}
