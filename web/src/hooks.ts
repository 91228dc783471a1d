/** Small hooks the pages share: loading data, and re-loading it when the event stream says so. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorText } from './api';
import { openStream, type SseMessage, type StreamState } from './sse';

export interface Loaded<T> {
  data?: T;
  error?: string;
  /** The HTTP status of the last failed load, when the API answered one (404: not there, or not this account's). */
  errorStatus?: number;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change and on `reload()`; a slower earlier answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({ loading: true });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (err: unknown) =>
        mine === generation.current &&
        setState((s) => ({ ...s, error: errorText(err), errorStatus: err instanceof ApiError ? err.status : undefined, loading: false })),
    );
  }, []);
  useEffect(reload, deps);
  return { ...state, reload };
}

/** `fn` at most once per `ms`, the last call always honoured (trailing edge). */
export function useThrottle(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const last = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      last.current = Date.now();
      fnRef.current();
    }, wait);
  }, [ms]);
}

/** An event stream open while the component is mounted (and `path` is set). */
export function useStream(path: string | undefined, onMessage: (m: SseMessage) => void | boolean, onOpen?: () => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handlers = useRef({ onMessage, onOpen });
  handlers.current = { onMessage, onOpen };
  useEffect(() => {
    if (!path) return undefined;
    return openStream(path, {
      onMessage: (m) => handlers.current.onMessage(m),
      onOpen: () => handlers.current.onOpen?.(),
      onState: setState,
    });
  }, [path]);
  return state;
}

/** Re-renders every `ms` (for "12 s ago"). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
