// One bundle for both steps (action.yml `main` and `post`): the first run marks the state, so the
// second run, the post step, knows it is the post step (as actions/checkout does).

import { run } from './action/main.js';
import { runPost } from './action/post.js';
import { isPost, markPost } from './action/state.js';

if (isPost()) {
  void runPost();
} else {
  markPost();
  void run();
}
