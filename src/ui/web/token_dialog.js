// The dialog that asks for the collector's access token (its
// --auth-token-file) when the API answers 401.
import { ApiError } from './api.js';

export class TokenDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    this.input = dialog.querySelector('#token-input');
    this.message = dialog.querySelector('#token-message');
  }

  // Resolves with the token typed; rejects if the dialog is dismissed.
  ask(wrong) {
    this.message.textContent = wrong
      ? 'The collector refused this token. Enter the token in its --auth-token-file.'
      : 'This collector needs an access token: the one in its --auth-token-file. It is kept for this tab only.';
    this.dialog.classList.toggle('wrong', wrong);
    this.input.value = '';
    return new Promise((resolve, reject) => {
      const onSubmit = (e) => {
        e.preventDefault();
        const token = this.input.value.trim();
        if (!token) return;
        done();
        this.dialog.close();
        resolve(token);
      };
      const onCancel = () => {
        done();
        reject(new ApiError('the collector needs an access token; reload the page to enter it'));
      };
      const done = () => {
        this.form.removeEventListener('submit', onSubmit);
        this.dialog.removeEventListener('cancel', onCancel);
      };
      this.form.addEventListener('submit', onSubmit);
      this.dialog.addEventListener('cancel', onCancel);
      this.dialog.showModal();
      this.input.focus();
    });
  }
}
