import { type Action, reduce, type State } from './state.js';

export type Listener = (state: State, action: Action, prev: State) => void;

/** The smallest store: the reducer, the current state, listeners told of every action. */
export interface Store {
  get(): State;
  dispatch(action: Action): void;
  subscribe(fn: Listener): () => void;
}

export function createStore(initial: State): Store {
  let state = initial;
  const listeners = new Set<Listener>();
  return {
    get: () => state,
    dispatch(action) {
      const prev = state;
      state = reduce(state, action);
      if (state === prev) return;
      for (const fn of listeners) {
        // One failing view must not stop the others (or the live link) from updating.
        try {
          fn(state, action, prev);
        } catch (err) {
          console.error('headroom: view update failed', err);
        }
      }
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
