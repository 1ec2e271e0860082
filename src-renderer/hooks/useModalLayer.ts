import { useEffect, useRef, type RefObject } from 'react';
import { store } from '../store/index.js';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Focus management for a dialog or drawer: focuses the first control (or `initial`), keeps Tab
 * inside, closes on Escape, and gives focus back to whatever had it before.
 */
export function useModalLayer(ref: RefObject<HTMLElement | null>, onClose: () => void, initial?: RefObject<HTMLElement | null>): void {
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    store.getState().pushModal();
    const root = ref.current;
    const first = initial?.current ?? root?.querySelector<HTMLElement>(FOCUSABLE) ?? root;
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (!root) return;
      if (e.key === 'Escape') {
        // Only the topmost layer closes.
        const layers = document.querySelectorAll('[data-modal-layer]');
        if (layers[layers.length - 1] !== root) return;
        e.stopPropagation();
        closeRef.current();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null);
      if (items.length === 0) return;
      const firstEl = items[0]!;
      const lastEl = items[items.length - 1]!;
      if (e.shiftKey && document.activeElement === firstEl) {
        e.preventDefault();
        lastEl.focus();
      } else if (!e.shiftKey && document.activeElement === lastEl) {
        e.preventDefault();
        firstEl.focus();
      } else if (!root.contains(document.activeElement)) {
        e.preventDefault();
        firstEl.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      store.getState().popModal();
      if (before && document.contains(before)) before.focus();
    };
    // Mount/unmount only: the layer's lifetime is the component's.
  }, []);
}
