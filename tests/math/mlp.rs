//! Derivatives of the fully connected networks of `math::mlp` and of their square loss.
//!
//! Every architecture family is covered: 1, 2 and 3 hidden layers × (input, output) dimensions
//! (1, 1), (2, 1) and (2, 3) × the five activations, on random θ and random data. The gradient
//! is checked against central differences of the loss, the Hessian-vector product against
//! central differences of the gradient, the curvature gradient ∇³L[u, u, ·] against central
//! differences of the Hessian-vector product (and, at the top eigenvector, against the slope of
//! the dense top eigenvalue), the dense Hessian built from the product for symmetry and its top
//! eigenvalue against Lanczos. With one hidden layer on the line, the network must be the lecture's network of
//! `math::network` to rounding. ReLU is piecewise linear, so its cases are redrawn until no
//! pre-activation lies within `KNOT_MARGIN` of 0, where the finite differences never straddle a
//! kink.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use nalgebra::DMatrix;
use sgd_stability::math::activation::Activation;
use sgd_stability::math::datasets::Dataset;
use sgd_stability::math::dense::{matrix_of, SymmetricEigen};
use sgd_stability::math::kernels::{on_baseline, without_avx512};
use sgd_stability::math::lanczos::Lanczos;
use sgd_stability::math::mlp::{Architecture, Mlp};
use sgd_stability::math::network::{Regression, ShallowNet};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

/// Counts the allocations of the current thread, so a test can show that a call allocates
/// nothing (tests run on parallel threads, hence per thread).
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// One, two and three hidden layers of unequal widths (so a transposed index shows).
const HIDDEN: [&[usize]; 3] = [&[5], &[4, 3], &[3, 4, 2]];
const SEEDS: [u64; 3] = [3, 41, 2025];
/// Distance from a ReLU knot below which a case is redrawn.
const KNOT_MARGIN: f64 = 1e-4;
/// Points per random data set.
const POINTS: usize = 7;

/// Every architecture the tests sweep: depth × (input, output) dimensions × activation.
fn architectures() -> Vec<Architecture> {
    let mut out = Vec::new();
    for hidden in HIDDEN {
        for (input_dim, output_dim) in [(1, 1), (2, 1), (2, 3)] {
            for activation in Activation::ALL {
                out.push(Architecture { input_dim, hidden: hidden.to_vec(), activation, output_dim });
            }
        }
    }
    out
}

/// One output, as the lecture's networks have.
fn scalar(input_dim: usize, hidden: &[usize], activation: Activation) -> Architecture {
    Architecture { input_dim, hidden: hidden.to_vec(), activation, output_dim: 1 }
}

fn random_vec(rng: &mut Rng, len: usize) -> Vec<f64> {
    (0..len).map(|_| normal(rng)).collect()
}

fn unit_vec(rng: &mut Rng, len: usize) -> Vec<f64> {
    let v = random_vec(rng, len);
    let n = norm(&v);
    v.into_iter().map(|x| x / n).collect()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn diff_norm(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt()
}

/// The network written out naively from the documented layout: layer by layer, W (entry
/// (o, i) at offset o·fan_in + i) then b, the output layer last. Returns f(x) and every hidden
/// pre-activation.
fn reference_forward(arch: &Architecture, theta: &[f64], x: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut input = x.to_vec();
    let mut pre_activations = Vec::new();
    let mut offset = 0;
    for &width in &arch.hidden {
        let fan_in = input.len();
        let mut output = vec![0.0; width];
        for (o, out) in output.iter_mut().enumerate() {
            let mut z = theta[offset + width * fan_in + o];
            for (i, a) in input.iter().enumerate() {
                z += theta[offset + o * fan_in + i] * a;
            }
            pre_activations.push(z);
            *out = match arch.activation {
                Activation::Tanh => z.tanh(),
                Activation::Relu => z.max(0.0),
                Activation::Softplus => z.exp().ln_1p(),
                Activation::Identity => z,
                Activation::Gelu => 0.5 * z * (1.0 + libm::erf(z / std::f64::consts::SQRT_2)),
            };
        }
        offset += width * (fan_in + 1);
        input = output;
    }
    let fan_in = input.len();
    let f = (0..arch.output_dim)
        .map(|o| {
            let bias = theta[offset + arch.output_dim * fan_in + o];
            bias + input.iter().enumerate().map(|(i, a)| theta[offset + o * fan_in + i] * a).sum::<f64>()
        })
        .collect();
    assert_eq!(offset + arch.output_dim * (fan_in + 1), theta.len(), "the reference layout does not cover θ");
    (f, pre_activations)
}

/// A random case: a network, θ ~ N(0, 1) entrywise and `POINTS` points uniform in [−1, 1]^d
/// with standard normal targets; ReLU cases are redrawn until every pre-activation is at least
/// `KNOT_MARGIN` away from 0.
struct Case {
    mlp: Mlp,
    theta: Vec<f64>,
    data: Dataset,
}

fn random_case(arch: &Architecture, rng: &mut Rng) -> Case {
    let mlp = Mlp::new(arch.clone()).expect("the test architectures are valid");
    loop {
        let theta = random_vec(rng, mlp.num_params());
        let x = (0..POINTS * arch.input_dim).map(|_| uniform(rng, -1.0, 1.0)).collect();
        let y = random_vec(rng, POINTS * arch.output_dim);
        let data = Dataset::new(arch.input_dim, arch.output_dim, x, y).expect("valid data");
        let near_knot = (0..data.len())
            .any(|j| reference_forward(arch, &theta, data.point(j)).1.iter().any(|z| z.abs() < KNOT_MARGIN));
        if arch.activation == Activation::Relu && near_knot {
            continue;
        }
        return Case { mlp, theta, data };
    }
}

/// Every architecture with a random case for every seed.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (a, arch) in architectures().iter().enumerate() {
        for seed in SEEDS {
            out.push(random_case(arch, &mut seeded(seed * 1000 + a as u64)));
        }
    }
    out
}

fn label(case: &Case) -> String {
    let arch = case.mlp.architecture();
    format!("{} d={} c={} hidden={:?}", arch.activation.name(), arch.input_dim, arch.output_dim, arch.hidden)
}

fn gradient(mlp: &mut Mlp, data: &Dataset, theta: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; mlp.num_params()];
    mlp.loss_and_gradient(theta, data, None, &mut g);
    g
}

fn hessian_vec(case: &mut Case, v: &[f64]) -> Vec<f64> {
    let mut hv = vec![0.0; case.mlp.num_params()];
    case.mlp.hessian_vec(&case.theta, &case.data, None, v, &mut hv);
    hv
}

fn dense_hessian(case: &mut Case) -> DMatrix<f64> {
    let Case { mlp, theta, data } = case;
    matrix_of(mlp.num_params(), |v, out| mlp.hessian_vec(theta, data, None, v, out))
}

/// The parameter layout is the documented one: the network agrees with a naive evaluation
/// that reads θ by the offsets the module documentation gives.
#[test]
fn eval_follows_the_documented_layout() {
    for mut case in cases() {
        for j in 0..case.data.len() {
            let x = case.data.point(j).to_vec();
            let (expected, _) = reference_forward(case.mlp.architecture(), &case.theta, &x);
            let f = case.mlp.eval(&case.theta, &x).to_vec();
            assert_eq!(f.len(), expected.len());
            for (f, expected) in f.iter().zip(&expected) {
                assert!(
                    (f - expected).abs() <= 1e-13 * (1.0 + expected.abs()),
                    "{}: f = {f}, reference {expected}",
                    label(&case)
                );
            }
        }
    }
}

/// With one hidden layer on the line, θ = [w1, b1, w2, b2] is the lecture's network: value,
/// loss, gradient and Hessian-vector product agree with `math::network` to rounding.
#[test]
fn one_hidden_layer_on_the_line_is_the_lecture_network() {
    let mut rng = seeded(11);
    for activation in [Activation::Tanh, Activation::Relu] {
        for width in [1, 3, 10, 64] {
            let arch = scalar(1, &[width], activation);
            let mut mlp = Mlp::new(arch).unwrap();
            let data = Dataset::random_labels(9, 1, width as u64).unwrap();
            let problem = Regression::new(ShallowNet::new(width, activation), data.to_shallow_data().unwrap());
            let p = mlp.num_params();
            assert_eq!(p, problem.num_params());
            let close = |a: &[f64], b: &[f64], what: &str| {
                let err = diff_norm(a, b);
                assert!(
                    err <= 1e-13 * norm(b),
                    "{activation:?} k={width}: {what} differs by {err:e} (norm {:e})",
                    norm(b)
                );
            };
            for _ in 0..3 {
                let theta = random_vec(&mut rng, p);
                let values: Vec<f64> = data.x.iter().map(|&x| mlp.eval(&theta, &[x])[0]).collect();
                let expected: Vec<f64> = data.x.iter().map(|&x| problem.net.eval(&theta, x)).collect();
                close(&values, &expected, "f");
                let loss = mlp.loss(&theta, &data);
                assert!((loss - problem.loss(&theta)).abs() <= 1e-13 * loss);
                let mut g = vec![0.0; p];
                let batch_loss = mlp.loss_and_gradient(&theta, &data, None, &mut g);
                assert!((batch_loss - loss).abs() <= 1e-13 * loss);
                close(&g, &problem.gradient(&theta), "∇L");
                let batch = [0, 4, 7];
                let batch_loss = mlp.loss_and_gradient(&theta, &data, Some(&batch), &mut g);
                assert!((batch_loss - problem.batch_loss(&theta, &batch)).abs() <= 1e-13 * batch_loss);
                let (mut expected_g, mut scratch) = (vec![0.0; p], vec![0.0; p]);
                problem.batch_gradient(&theta, &batch, &mut expected_g, &mut scratch);
                close(&g, &expected_g, "batch ∇L");
                let v = random_vec(&mut rng, p);
                let mut hv = vec![0.0; p];
                mlp.hessian_vec(&theta, &data, None, &v, &mut hv);
                let mut expected_hv = vec![0.0; p];
                problem.hessian_vec(&theta, &v, &mut expected_hv, &mut scratch);
                close(&hv, &expected_hv, "∇²L v");
            }
        }
    }
}

/// ∇L is what GD follows: it must be the slope of the loss, coordinate by coordinate.
#[test]
fn gradient_matches_central_differences_of_the_loss() {
    for mut case in cases() {
        let g = gradient(&mut case.mlp, &case.data, &case.theta);
        let fd: Vec<f64> = (0..g.len())
            .map(|i| {
                let h = 1e-6 * (1.0 + case.theta[i].abs());
                let (mut plus, mut minus) = (case.theta.clone(), case.theta.clone());
                plus[i] += h;
                minus[i] -= h;
                (case.mlp.loss(&plus, &case.data) - case.mlp.loss(&minus, &case.data)) / (plus[i] - minus[i])
            })
            .collect();
        let err = diff_norm(&g, &fd);
        assert!(norm(&g) > 1e-3, "{}: a degenerate case (‖∇L‖ = {:e}) tests nothing", label(&case), norm(&g));
        assert!(err <= 1e-6 * norm(&g), "{}: ‖∇L − fd‖ = {err:e}, ‖∇L‖ = {:e}", label(&case), norm(&g));
    }
}

/// The Hessian-vector product drives Lanczos: it must be the derivative of ∇L along v.
#[test]
fn hessian_vec_matches_central_differences_of_the_gradient() {
    let mut rng = seeded(7);
    for mut case in cases() {
        let p = case.mlp.num_params();
        let v = unit_vec(&mut rng, p);
        let hv = hessian_vec(&mut case, &v);
        let h = 1e-6;
        let plus: Vec<f64> = case.theta.iter().zip(&v).map(|(t, d)| t + h * d).collect();
        let minus: Vec<f64> = case.theta.iter().zip(&v).map(|(t, d)| t - h * d).collect();
        let (g_plus, g_minus) =
            (gradient(&mut case.mlp, &case.data, &plus), gradient(&mut case.mlp, &case.data, &minus));
        let fd: Vec<f64> = g_plus.iter().zip(&g_minus).map(|(a, b)| (a - b) / (2.0 * h)).collect();
        let err = diff_norm(&hv, &fd);
        assert!(norm(&hv) > 1e-3, "{}: a degenerate case (‖Hv‖ = {:e}) tests nothing", label(&case), norm(&hv));
        assert!(err <= 1e-6 * norm(&hv), "{}: ‖Hv − fd‖ = {err:e}, ‖Hv‖ = {:e}", label(&case), norm(&hv));
    }
}

/// The dense Hessian assembled column by column from the product is symmetric (a wrong mixed
/// derivative would break that), and Lanczos over the product finds its top eigenvalue.
#[test]
fn dense_hessian_is_symmetric_and_lanczos_finds_its_top_eigenvalue() {
    let mut rng = seeded(8);
    for mut case in cases() {
        let hessian = dense_hessian(&mut case);
        let asymmetry = (&hessian - hessian.transpose()).amax();
        assert!(
            asymmetry <= 1e-12 * hessian.amax(),
            "{}: asymmetry {asymmetry:e} of {:e}",
            label(&case),
            hessian.amax()
        );
        let top = SymmetricEigen::new(&hessian).expect("a small symmetric matrix").values[0];

        let p = case.mlp.num_params();
        let start = random_vec(&mut rng, p);
        let Case { mlp, theta, data } = &mut case;
        let ritz =
            Lanczos::new(p, p).top(1, &start, |v, out| mlp.hessian_vec(theta, data, None, v, out)).expect("finite");
        let err = (ritz.values[0] - top).abs();
        assert!(err <= 1e-8 * top.abs(), "{}: Lanczos {} vs dense {top} (err {err:e})", label(&case), ritz.values[0]);
    }
}

/// SGD's batch gradients and batch Hessians are unbiased pieces of the full ones: over a
/// partition of the data into batches, the batch losses, gradients and Hessian-vector products
/// weighted by |B|/n add up to the full ones.
#[test]
fn batch_gradients_average_to_the_full_gradient() {
    let mut rng = seeded(9);
    for arch in architectures() {
        let mlp = Mlp::new(arch.clone()).unwrap();
        let x = (0..10 * arch.input_dim).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
        let y = random_vec(&mut rng, 10 * arch.output_dim);
        let data = Dataset::new(arch.input_dim, arch.output_dim, x, y).unwrap();
        let mut case = Case { theta: random_vec(&mut rng, mlp.num_params()), mlp, data };
        let p = case.mlp.num_params();
        let order: Vec<usize> = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5].to_vec();
        let v = random_vec(&mut rng, p);
        let (mut loss_sum, mut grad_sum, mut g) = (0.0, vec![0.0; p], vec![0.0; p]);
        let (mut hv_sum, mut hv) = (vec![0.0; p], vec![0.0; p]);
        let mut start = 0;
        for size in [3, 1, 4, 2] {
            let batch = &order[start..start + size];
            start += size;
            let weight = size as f64 / 10.0;
            loss_sum += weight * case.mlp.loss_and_gradient(&case.theta, &case.data, Some(batch), &mut g);
            grad_sum.iter_mut().zip(&g).for_each(|(s, gi)| *s += weight * gi);
            case.mlp.hessian_vec(&case.theta, &case.data, Some(batch), &v, &mut hv);
            hv_sum.iter_mut().zip(&hv).for_each(|(s, hi)| *s += weight * hi);
        }
        let loss = case.mlp.loss(&case.theta, &case.data);
        let full = gradient(&mut case.mlp, &case.data, &case.theta);
        let full_hv = hessian_vec(&mut case, &v);
        assert!((loss_sum - loss).abs() <= 1e-13 * loss, "{}: losses {loss_sum} vs {loss}", label(&case));
        assert!(diff_norm(&grad_sum, &full) <= 1e-13 * norm(&full), "{}: batch gradients do not average", label(&case));
        assert!(
            diff_norm(&hv_sum, &full_hv) <= 1e-13 * norm(&full_hv),
            "{}: batch Hessians do not average",
            label(&case)
        );
        assert_eq!(case.mlp.loss_and_gradient(&case.theta, &case.data, Some(&[]), &mut g), 0.0);
        assert!(g.iter().all(|&gi| gi == 0.0), "an empty batch has gradient 0");
    }
}

/// With the identity activation and one hidden layer, f(x) = Σₒ wₒ(Wₒ·x + bₒ) + c is bilinear
/// in (W, b) and (w, c): ∇²f has only the entries ∂²f/∂Wₒᵢ∂wₒ = xᵢ and ∂²f/∂bₒ∂wₒ = 1. The
/// Hessian of the loss, (1/n) Σⱼ [∇fⱼ∇fⱼᵀ + rⱼ∇²fⱼ], is built from that by hand.
#[test]
fn linear_network_hessian_matches_the_hand_derived_formula() {
    let mut rng = seeded(10);
    for input_dim in [1, 2] {
        for width in [1, 4] {
            let arch = scalar(input_dim, &[width], Activation::Identity);
            let mlp = Mlp::new(arch).unwrap();
            let data = Dataset::random_labels(6, input_dim, 3).unwrap();
            let p = mlp.num_params();
            let mut case = Case { theta: random_vec(&mut rng, p), mlp, data };
            let (d, k) = (input_dim, width);
            let (weights, biases, out_weights, out_bias) = (0, k * d, k * d + k, k * d + 2 * k);
            let theta = case.theta.clone();
            let mut expected = DMatrix::zeros(p, p);
            let n = case.data.len() as f64;
            for j in 0..case.data.len() {
                let x = case.data.point(j);
                let hidden: Vec<f64> = (0..k)
                    .map(|o| theta[biases + o] + (0..d).map(|i| theta[weights + o * d + i] * x[i]).sum::<f64>())
                    .collect();
                let f = theta[out_bias] + (0..k).map(|o| theta[out_weights + o] * hidden[o]).sum::<f64>();
                let r = f - case.data.y[j];
                let mut grad_f = vec![0.0; p];
                let mut hess_f = DMatrix::zeros(p, p);
                for o in 0..k {
                    for i in 0..d {
                        grad_f[weights + o * d + i] = theta[out_weights + o] * x[i];
                        hess_f[(weights + o * d + i, out_weights + o)] = x[i];
                        hess_f[(out_weights + o, weights + o * d + i)] = x[i];
                    }
                    grad_f[biases + o] = theta[out_weights + o];
                    grad_f[out_weights + o] = hidden[o];
                    hess_f[(biases + o, out_weights + o)] = 1.0;
                    hess_f[(out_weights + o, biases + o)] = 1.0;
                }
                grad_f[out_bias] = 1.0;
                let g = nalgebra::DVector::from_vec(grad_f);
                expected += (&g * g.transpose() + hess_f * r) / n;
            }
            let hessian = dense_hessian(&mut case);
            let err = (&hessian - &expected).amax();
            assert!(err <= 1e-13 * expected.amax(), "d={d} k={k}: Hessian off by {err:e}");
        }
    }
}

/// The workspace is reused, not accumulated into: the same call gives the same bits after other
/// calls in between, and no call allocates.
#[test]
fn calls_are_repeatable_and_allocate_nothing() {
    let probe = allocations();
    std::hint::black_box(vec![1.0]);
    assert!(allocations() > probe, "the allocation counter counts");
    let mut rng = seeded(12);
    for mut case in cases().into_iter().step_by(5) {
        let p = case.mlp.num_params();
        let (u, v) = (random_vec(&mut rng, p), random_vec(&mut rng, p));
        let (mut first, mut again, mut other, mut g) = (vec![0.0; p], vec![0.0; p], vec![0.0; p], vec![0.0; p]);
        let before = allocations();
        case.mlp.hessian_vec(&case.theta, &case.data, None, &v, &mut first);
        case.mlp.hessian_vec(&case.theta, &case.data, Some(&[1, 3]), &u, &mut other);
        case.mlp.curvature_gradient(&case.theta, &case.data, &u, &mut other);
        let loss = case.mlp.loss_and_gradient(&case.theta, &case.data, Some(&[2, 0]), &mut g);
        let f = case.mlp.eval(&case.theta, case.data.point(1))[0];
        let full_loss = case.mlp.loss(&case.theta, &case.data);
        let accuracy = case.mlp.accuracy(&case.theta, &case.data);
        case.mlp.hessian_vec(&case.theta, &case.data, None, &v, &mut again);
        assert_eq!(allocations(), before, "{}: a call allocated", label(&case));
        assert!(first.iter().zip(&again).all(|(a, b)| a.to_bits() == b.to_bits()), "{}: results drift", label(&case));
        assert!(loss.is_finite() && f.is_finite() && full_loss.is_finite());
        assert_eq!(accuracy.is_some(), case.mlp.architecture().output_dim > 1);
    }
}

#[test]
fn num_params_counts_every_layer() {
    let arch = scalar(2, &[3, 4], Activation::Tanh);
    assert_eq!(arch.num_params(), 3 * (2 + 1) + 4 * (3 + 1) + (4 + 1));
    assert_eq!(Mlp::new(arch.clone()).unwrap().num_params(), arch.num_params());
    let lecture = scalar(1, &[100], Activation::Tanh);
    assert_eq!(lecture.num_params(), 301);
    let widest = scalar(2, &[256; 3], Activation::Relu);
    assert_eq!(widest.num_params(), 256 * 3 + 2 * 256 * 257 + 257);
    // EOS-3: 64 pixels, 64 tanh units, 10 classes.
    let eos3 = Architecture { input_dim: 64, hidden: vec![64], activation: Activation::Tanh, output_dim: 10 };
    assert_eq!(eos3.num_params(), 4810);
}

/// Out-of-range architectures are refused with a message naming what is wrong.
#[test]
fn validation_explains_out_of_range_architectures() {
    let arch = |input_dim, hidden: &[usize]| scalar(input_dim, hidden, Activation::Tanh);
    let outputs = |output_dim| Architecture { output_dim, ..arch(2, &[4]) };
    for (bad, needle) in [
        (arch(0, &[4]), "input dimension must be 1 to 64, got 0"),
        (arch(65, &[4]), "input dimension must be 1 to 64, got 65"),
        (outputs(0), "output dimension must be 1 to 10, got 0"),
        (outputs(11), "output dimension must be 1 to 10, got 11"),
        (arch(1, &[]), "1 to 3 hidden layers, got 0"),
        (arch(1, &[4, 4, 4, 4]), "1 to 3 hidden layers, got 4"),
        (arch(2, &[4, 0]), "hidden layer 2 has width 0"),
        (arch(2, &[4, 8, 257]), "hidden layer 3 has width 257; widths must be 1 to 256"),
    ] {
        let message = bad.validate().expect_err("out of range");
        assert!(message.contains(needle), "{bad:?}: message {message:?} lacks {needle:?}");
        assert_eq!(Mlp::new(bad).expect_err("out of range"), message);
    }
    for ok in [arch(1, &[1]), arch(2, &[256, 256, 256]), arch(1, &[7, 1]), arch(64, &[64]), outputs(10)] {
        assert_eq!(ok.validate(), Ok(()));
    }
}

/// LeCun-normal initialisation: reproducible from the seed, biases exactly 0, and every
/// layer's weights with variance 1/fan_in.
#[test]
fn init_is_lecun_normal_with_zero_biases() {
    let arch = scalar(2, &[256, 128], Activation::Tanh);
    let theta = arch.init(&mut seeded(1));
    assert_eq!(theta.len(), arch.num_params());
    assert_eq!(theta, arch.init(&mut seeded(1)));
    assert_ne!(theta, arch.init(&mut seeded(2)));
    let mut offset = 0;
    for (fan_in, fan_out) in [(2, 256), (256, 128), (128, 1)] {
        let weights = &theta[offset..offset + fan_in * fan_out];
        let biases = &theta[offset + fan_in * fan_out..offset + fan_out * (fan_in + 1)];
        assert!(biases.iter().all(|&b| b == 0.0));
        let variance = weights.iter().map(|w| w * w).sum::<f64>() / weights.len() as f64;
        // The sample variance of m normals has relative standard deviation √(2/m).
        let tolerance = 5.0 * (2.0 / weights.len() as f64).sqrt();
        assert!((variance * fan_in as f64 - 1.0).abs() <= tolerance, "fan_in {fan_in}: variance {variance}");
        offset += fan_out * (fan_in + 1);
    }
}

/// σ', σ'' and σ''' of each activation are the derivatives of σ (away from ReLU's knot),
/// GELU is z·Φ(z), softplus neither overflows nor loses its tail, and names round-trip.
#[test]
fn activations_have_consistent_derivatives_and_names() {
    for activation in Activation::ALL {
        assert_eq!(Activation::from_name(activation.name()), Some(activation));
        for z in [-3.1, -0.7, -0.01, 0.02, 0.5, 2.9] {
            let (s, ds, dds) = activation.eval(z);
            let h = 1e-6;
            let slope = (activation.eval(z + h).0 - activation.eval(z - h).0) / (2.0 * h);
            let curvature = (activation.eval(z + h).1 - activation.eval(z - h).1) / (2.0 * h);
            let third = (activation.eval(z + h).2 - activation.eval(z - h).2) / (2.0 * h);
            let ddds = activation.third_derivative(z, s, ds);
            assert!((ds - slope).abs() <= 1e-8, "{activation:?} σ'({z}) = {ds}, fd {slope}");
            assert!((dds - curvature).abs() <= 1e-8, "{activation:?} σ''({z}) = {dds}, fd {curvature}");
            assert!((ddds - third).abs() <= 1e-8, "{activation:?} σ'''({z}) = {ddds}, fd {third}");
        }
    }
    assert_eq!(Activation::from_name("relu"), Some(Activation::Relu));
    assert_eq!(Activation::from_name("sigmoid"), None);
    assert_eq!(Activation::Relu.eval(0.0), (0.0, 0.0, 0.0), "σ'(0) = 0 for ReLU");
    let (value, slope, curvature) = Activation::Softplus.eval(800.0);
    assert_eq!((value, slope), (800.0, 1.0));
    assert!((0.0..1e-300).contains(&curvature));
    let (value, slope, curvature) = Activation::Softplus.eval(-700.0);
    let tail = (-700.0f64).exp();
    assert!((value - tail).abs() <= 1e-15 * tail && (slope - tail).abs() <= 1e-15 * tail && curvature > 0.0);
    assert!((Activation::Softplus.eval(0.0).0 - 2f64.ln()).abs() <= 1e-16);
    // GELU(1) = Φ(1) = 0.8413447460685429…, and far in the negative tail it keeps its relative
    // accuracy: GELU(−10) = −10·Φ(−10) = −7.61985302416e-23.
    assert!((Activation::Gelu.eval(1.0).0 - 0.841_344_746_068_542_9).abs() <= 1e-15);
    assert!((Activation::Gelu.eval(-10.0).0 / -7.619_853_024_160_527e-23 - 1.0).abs() <= 1e-12);
}

/// The curvature gradient ∇³L[u, u, ·] is the derivative of the Hessian-vector product Hu
/// along u, checked against central differences of it (the central flow's ∇S rests on it).
#[test]
fn curvature_gradient_matches_central_differences_of_the_hessian_vec() {
    let mut rng = seeded(13);
    for mut case in cases() {
        let p = case.mlp.num_params();
        let u = unit_vec(&mut rng, p);
        let mut exact = vec![0.0; p];
        case.mlp.curvature_gradient(&case.theta, &case.data, &u, &mut exact);
        let h = 1e-5;
        let shifted = |sign: f64| -> Vec<f64> { case.theta.iter().zip(&u).map(|(t, d)| t + sign * h * d).collect() };
        let (plus, minus) = (shifted(1.0), shifted(-1.0));
        let (mut hu_plus, mut hu_minus) = (vec![0.0; p], vec![0.0; p]);
        case.mlp.hessian_vec(&plus, &case.data, None, &u, &mut hu_plus);
        case.mlp.hessian_vec(&minus, &case.data, None, &u, &mut hu_minus);
        let fd: Vec<f64> = hu_plus.iter().zip(&hu_minus).map(|(a, b)| (a - b) / (2.0 * h)).collect();
        let err = diff_norm(&exact, &fd);
        let size = norm(&exact);
        if matches!(case.mlp.architecture().activation, Activation::Identity | Activation::Relu) {
            // Piecewise polynomial in θ, where dead units can leave nothing to differentiate.
            assert!(err <= 1e-6 * (1.0 + size), "{}: ‖∇³L[u,u] − fd‖ = {err:e}", label(&case));
            continue;
        }
        assert!(size > 1e-3, "{}: a degenerate case (‖∇³L[u,u]‖ = {size:e}) tests nothing", label(&case));
        assert!(err <= 1e-6 * size, "{}: ‖∇³L[u,u] − fd‖ = {err:e}, ‖∇³L[u,u]‖ = {size:e}", label(&case));
    }
}

/// At the top eigenvector u of the dense Hessian, ∇³L[u, u, ·] is the gradient of the top
/// eigenvalue: its inner product with a random direction w is the slope of λ_max(θ + εw).
#[test]
fn curvature_gradient_at_the_top_eigenvector_is_the_gradient_of_the_sharpness() {
    let mut rng = seeded(14);
    for mut case in cases().into_iter().step_by(4) {
        let p = case.mlp.num_params();
        let eigen = SymmetricEigen::new(&dense_hessian(&mut case)).expect("a small symmetric matrix");
        if eigen.values[0] - eigen.values[1] < 1e-3 * eigen.values[0].abs().max(1.0) {
            continue; // a nearly double top eigenvalue has no gradient
        }
        let u: Vec<f64> = eigen.vectors.column(0).iter().copied().collect();
        let mut grad_s = vec![0.0; p];
        case.mlp.curvature_gradient(&case.theta, &case.data, &u, &mut grad_s);
        let w = unit_vec(&mut rng, p);
        let h = 1e-5;
        let top_at = |case: &mut Case, sign: f64| {
            let theta: Vec<f64> = case.theta.iter().zip(&w).map(|(t, d)| t + sign * h * d).collect();
            let Case { mlp, data, .. } = case;
            let hessian = matrix_of(p, |v, out| mlp.hessian_vec(&theta, data, None, v, out));
            SymmetricEigen::new(&hessian).expect("a small symmetric matrix").values[0]
        };
        let slope = (top_at(&mut case, 1.0) - top_at(&mut case, -1.0)) / (2.0 * h);
        let exact: f64 = grad_s.iter().zip(&w).map(|(g, d)| g * d).sum();
        assert!(
            (exact - slope).abs() <= 1e-5 * (1.0 + slope.abs()),
            "{}: ⟨∇S, w⟩ = {exact}, slope of λ_max {slope}",
            label(&case)
        );
    }
}

/// Accuracy counts the points whose largest output is their class: a network whose output
/// biases alone pick a class is right on exactly the points of that class.
#[test]
fn accuracy_counts_the_points_whose_largest_output_is_their_class() {
    let data = Dataset::digits(100).unwrap();
    let arch = Architecture { input_dim: 64, hidden: vec![3], activation: Activation::Tanh, output_dim: 10 };
    let mut mlp = Mlp::new(arch.clone()).unwrap();
    let mut theta = vec![0.0; arch.num_params()];
    let output_biases = theta.len() - 10;
    theta[output_biases + 7] = 1.0;
    let sevens = (0..100).filter(|&j| data.target(j)[7] == 1.0).count();
    assert!(sevens > 0);
    assert_eq!(mlp.accuracy(&theta, &data), Some(sevens as f64 / 100.0));
    assert_eq!(
        Mlp::new(scalar(1, &[3], Activation::Tanh)).unwrap().accuracy(&[0.0; 10], &Dataset::chebyshev(2, 5).unwrap()),
        None
    );
}

/// The kernels picked at run time (AVX-512, or AVX2 and FMA, where the processor has them), the
/// AVX2 ones on an AVX-512 processor, and the build's own compute the same loss, gradient,
/// Hessian-vector product, ∇³L[u, u, ·] and top eigenvalue to rounding, on every architecture
/// (on a processor without them, all are the build's own and agree exactly).
#[test]
fn the_instruction_sets_agree_to_rounding() {
    let mut rng = seeded(77);
    for mut case in cases() {
        let p = case.mlp.num_params();
        let (v, u) = (random_vec(&mut rng, p), unit_vec(&mut rng, p));
        let mut compute = || {
            let mut grad = vec![0.0; p];
            let loss = case.mlp.loss_and_gradient(&case.theta, &case.data, None, &mut grad);
            let mut product = vec![0.0; p];
            case.mlp.hessian_vec(&case.theta, &case.data, None, &v, &mut product);
            let mut third = vec![0.0; p];
            case.mlp.curvature_gradient(&case.theta, &case.data, &u, &mut third);
            let mut lanczos = Lanczos::new(p, p.min(20));
            let top = lanczos.top(1, &v, |x, out| case.mlp.hessian_vec(&case.theta, &case.data, None, x, out));
            (loss, grad, product, third, top.map(|r| r.values[0]))
        };
        let (fastest, avx2) = (compute(), without_avx512(&mut compute));
        let own = on_baseline(&mut compute);
        let name = label(&case);
        for fast in [fastest, avx2] {
            assert!((fast.0 - own.0).abs() <= 1e-13 * own.0.abs().max(1e-300), "{name}: loss");
            for (what, a, b) in
                [("gradient", &fast.1, &own.1), ("product", &fast.2, &own.2), ("third", &fast.3, &own.3)]
            {
                assert!(diff_norm(a, b) <= 1e-12 * norm(b).max(1e-300), "{name}: {what} {}", diff_norm(a, b));
            }
            let (a, b) = (fast.4.expect("Lanczos runs"), own.4.expect("Lanczos runs"));
            assert!((a - b).abs() <= 1e-10 * b.abs().max(1.0), "{name}: top eigenvalue {a} against {b}");
        }
    }
}

/// The bench's count of a product's arithmetic: per point, 10 operations per weight of the
/// first layer and 16 per weight below it, so 51,200 for EOS-3's 64 × 64 and 10 × 64 weights.
#[test]
fn a_products_arithmetic_is_counted_per_weight() {
    let digits = Architecture { input_dim: 64, hidden: vec![64], activation: Activation::Tanh, output_dim: 10 };
    assert_eq!(digits.hessian_vec_flops(500), 500.0 * (10.0 * 64.0 * 64.0 + 16.0 * 64.0 * 10.0));
    let deep = Architecture { input_dim: 2, hidden: vec![3, 5], activation: Activation::Relu, output_dim: 1 };
    assert_eq!(deep.hessian_vec_flops(1), (10 * 2 * 3 + 16 * 3 * 5 + 16 * 5) as f64);
}
