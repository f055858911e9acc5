// The search form in the side panel. It reads its values from the URL and
// submits by navigating, so the back button and deep links just work.
import * as api from './api.js';
import { h, replaceChildren } from './dom.js';
import { LOOKBACKS, formParamsFromUrl, urlFromFormParams } from './query.js';

export class SearchForm {
  constructor(container, navigate) {
    this.navigate = navigate;
    this.view = 'search';
    this.service = h('select', { id: 'f-service', name: 'service', required: true });
    this.operation = h('select', { id: 'f-operation', name: 'operation' });
    this.tags = h('input', {
      id: 'f-tags', name: 'tags', type: 'text', spellcheck: 'false', autocomplete: 'off',
      placeholder: 'http.status_code=500 error=true',
    });
    this.lookback = h('select', { id: 'f-lookback', name: 'lookback' },
      LOOKBACKS.map(([value, label]) => h('option', { value }, label)));
    this.start = h('input', { id: 'f-start', name: 'start', type: 'datetime-local', step: '1' });
    this.end = h('input', { id: 'f-end', name: 'end', type: 'datetime-local', step: '1' });
    this.custom = h('div', { class: 'custom-range' },
      field('Start', this.start), field('End', this.end));
    this.minDuration = h('input', { id: 'f-min', name: 'minDuration', type: 'text', placeholder: 'e.g. 100ms', autocomplete: 'off' });
    this.maxDuration = h('input', { id: 'f-max', name: 'maxDuration', type: 'text', placeholder: 'e.g. 2s', autocomplete: 'off' });
    this.limit = h('input', { id: 'f-limit', name: 'limit', type: 'number', min: '1', max: '1500' });
    this.slowMs = h('input', { id: 'f-slow', name: 'slowMs', type: 'number', min: '0', step: 'any' });
    this.status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });

    this.form = h('form', { id: 'search-form', 'aria-label': 'Find traces', novalidate: true },
      h('h2', null, 'Find traces'),
      field('Service', this.service),
      field('Operation', this.operation),
      field('Tags', this.tags, 'key=value pairs separated by spaces'),
      field('Time range', this.lookback),
      this.custom,
      h('div', { class: 'two' }, field('Min duration', this.minDuration), field('Max duration', this.maxDuration)),
      h('div', { class: 'two' }, field('Limit', this.limit), field('Slow network (ms)', this.slowMs, 'marks traces whose slowest hop is at least this slow')),
      h('button', { type: 'submit', class: 'primary', id: 'find-traces' }, 'Find traces'),
      this.status);
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      localStorage.setItem('clt.service', this.service.value);
      this.navigate(urlFromFormParams(this.view, this.values()));
    });
    this.service.addEventListener('change', () => this.loadOperations(''));
    this.lookback.addEventListener('change', () => this.showCustom());
    replaceChildren(container, this.form);
    this.servicesLoaded = null;
  }

  values() {
    return {
      service: this.service.value,
      operation: this.operation.value,
      tags: this.tags.value.trim(),
      lookback: this.lookback.value,
      start: this.start.value,
      end: this.end.value,
      minDuration: this.minDuration.value.trim(),
      maxDuration: this.maxDuration.value.trim(),
      limit: this.limit.value,
      slowMs: this.slowMs.value,
    };
  }

  showCustom() {
    this.custom.hidden = this.lookback.value !== 'custom';
  }

  async loadServices() {
    if (!this.servicesLoaded) {
      this.servicesLoaded = api.services().then((list) => {
        // The network spans' own service goes last: searching it finds traces
        // by network tags (ioam.slowest_hop=porthos), but it is not an entry point.
        const services = list.filter((s) => s !== 'ioam');
        const network = list.includes('ioam') ? ['ioam'] : [];
        replaceChildren(this.service,
          services.length || network.length ? null : h('option', { value: '' }, 'no services yet'),
          services.map((s) => h('option', { value: s }, s)),
          network.map((s) => h('option', { value: s }, `${s} (network spans)`)));
        return [...services, ...network];
      }).catch((e) => {
        this.servicesLoaded = null;
        throw e;
      });
    }
    return this.servicesLoaded;
  }

  async loadOperations(selected) {
    const service = this.service.value;
    replaceChildren(this.operation, h('option', { value: '' }, 'all operations'));
    if (!service) return;
    try {
      const ops = await api.operations(service);
      if (this.service.value !== service) return;
      for (const op of ops) this.operation.appendChild(h('option', { value: op }, op));
      this.operation.value = ops.includes(selected) ? selected : '';
    } catch (e) {
      this.status.textContent = e.message;
    }
  }

  // Sets the form from the URL; returns the parameters with the service filled in.
  async syncFromUrl(view, search) {
    this.view = view;
    const params = formParamsFromUrl(search);
    this.status.textContent = '';
    let services = [];
    try {
      services = await this.loadServices();
    } catch (e) {
      this.status.textContent = e.message;
    }
    if (!params.service || !services.includes(params.service)) {
      if (params.service) {
        this.service.appendChild(h('option', { value: params.service }, params.service));
      } else {
        const remembered = localStorage.getItem('clt.service');
        params.service = services.includes(remembered) ? remembered : services[0] || '';
      }
    }
    this.service.value = params.service;
    this.tags.value = params.tags;
    this.lookback.value = params.lookback;
    this.start.value = params.start;
    this.end.value = params.end;
    this.minDuration.value = params.minDuration;
    this.maxDuration.value = params.maxDuration;
    this.limit.value = params.limit;
    this.slowMs.value = params.slowMs;
    this.showCustom();
    await this.loadOperations(params.operation);
    return params;
  }

  focus() {
    this.service.focus();
  }
}

function field(label, control, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'label' }, label),
    control,
    hint ? h('span', { class: 'hint' }, hint) : null);
}
