"""nn.py organised around small private helpers and other names (global np.random seeded once
in train_mlp, a dict of activation pairs, np.heaviside for ReLU's derivative, a while-loop
batcher), in the spirit of a student who restructured the starter code."""

import numpy as np 

_KEYS =("train_loss","train_acc","valid_loss","valid_acc")


def _draw (shape ,low ,high ,rng ):
    if rng is None :
        return low +(high -low )*np .random .random_sample (shape )
    return rng .uniform (low ,high ,shape )


def initialize_weights (in_size ,out_size ,tmp_params ,name ="",*,rng =None ):
    tmp_r =np .sqrt (6.0 /float (in_size +out_size ))
    tmp_params ["W"+name ]=_draw ((in_size ,out_size ),-tmp_r ,tmp_r ,rng )
    tmp_params ["b"+name ]=np .zeros (out_size )


def sigmoid (x ):
    return np .reciprocal (1.0 +np .exp (-x ))


def sigmoid_deriv (post_act ):
    tmp_s =post_act 
    return tmp_s *(1 -tmp_s )


def linear_deriv (post_act ):
    return np .full (post_act .shape ,1.0 )


def relu (x ):
    return np .where (x >0 ,x ,0.0 )


def relu_deriv (post_act ):
    return np .heaviside (post_act ,0.0 )


def _affine (X ,tmp_W ,tmp_b ):
    return X @tmp_W +tmp_b 


def forward (X ,tmp_params ,name ="",activation =sigmoid ):
    tmp_z =_affine (X ,tmp_params ["W"+name ],tmp_params ["b"+name ])
    tmp_h =activation (tmp_z )
    tmp_params ["cache_"+name ]=X ,tmp_z ,tmp_h 
    return tmp_h 


def backwards (delta ,tmp_params ,name ="",activation_deriv =sigmoid_deriv ):
    tmp_inputs ,tmp__z ,tmp_outputs =tmp_params ["cache_"+name ]
    tmp_local =np .multiply (delta ,activation_deriv (tmp_outputs ))
    tmp_params ["grad_W"+name ]=tmp_inputs .transpose ().dot (tmp_local )
    tmp_params ["grad_b"+name ]=tmp_local .sum (0 )
    return tmp_local .dot (tmp_params ["W"+name ].transpose ())


def softmax (x ):
    tmp_shifted =x -x .max (1 )[:,np .newaxis ]
    tmp_numerator =np .exp (tmp_shifted )
    return tmp_numerator /tmp_numerator .sum (1 )[:,np .newaxis ]


def compute_loss_and_acc (y ,tmp_probs ):
    tmp_picked =tmp_probs [np .arange (len (y )),y .argmax (1 )]
    tmp_loss =float (-np .log (tmp_picked ).sum ())
    tmp_acc =float ((tmp_probs .argmax (1 )==y .argmax (1 )).mean ())
    return tmp_loss ,tmp_acc 


def get_random_batches (x ,y ,batch_size ,*,rng =None ):
    tmp_order =rng .permutation (len (x ))if rng is not None else np .random .permutation (len (x ))
    x ,y =x [tmp_order ],y [tmp_order ]
    tmp_out ,tmp_start =[],0 
    while tmp_start <len (x ):
        tmp_out .append ((x [tmp_start :tmp_start +batch_size ],y [tmp_start :tmp_start +batch_size ]))
        tmp_start +=batch_size 
    return tmp_out 


def _is_param (tmp_key ,tmp_value ):
    return isinstance (tmp_value ,np .ndarray )and (tmp_key .startswith ("W")or tmp_key .startswith ("b"))


def numerical_gradient (loss_fn ,tmp_params ,eps =1e-6 ):
    tmp_result ={}
    for tmp_key in [tmp_k for tmp_k ,tmp_v in tmp_params .items ()if _is_param (tmp_k ,tmp_v )]:
        tmp_arr =tmp_params [tmp_key ]
        tmp_grad =np .zeros (tmp_arr .shape )
        for tmp_pos in np .ndindex (tmp_arr .shape ):
            tmp_saved =tmp_arr [tmp_pos ].copy ()
            tmp_arr [tmp_pos ]=tmp_saved +eps 
            tmp_hi =loss_fn (tmp_params )
            tmp_arr [tmp_pos ]=tmp_saved -eps 
            tmp_lo =loss_fn (tmp_params )
            tmp_arr [tmp_pos ]=tmp_saved 
            tmp_grad [tmp_pos ]=(tmp_hi -tmp_lo )/(2.0 *eps )
        tmp_result [tmp_key ]=tmp_grad 
    return tmp_result 


def sgd_step (tmp_params ,names ,lr ):
    for tmp_layer in names :
        tmp_W ,tmp_b ="W"+tmp_layer ,"b"+tmp_layer 
        tmp_params [tmp_W ]=tmp_params [tmp_W ]-lr *tmp_params ["grad_"+tmp_W ]
        tmp_params [tmp_b ]=tmp_params [tmp_b ]-lr *tmp_params ["grad_"+tmp_b ]


def momentum_step (tmp_params ,names ,lr ,beta =0.9 ):
    for tmp_layer in names :
        for tmp_key in ("W"+tmp_layer ,"b"+tmp_layer ):
            tmp_velocity =tmp_params ["m_"+tmp_key ]if "m_"+tmp_key in tmp_params else 0.0 *tmp_params [tmp_key ]
            tmp_velocity =beta *tmp_velocity -lr *tmp_params ["grad_"+tmp_key ]
            tmp_params ["m_"+tmp_key ]=tmp_velocity 
            tmp_params [tmp_key ]=tmp_params [tmp_key ]+tmp_velocity 


def _predict (tmp_params ,x ):
    return forward (forward (x ,tmp_params ,"layer1"),tmp_params ,"output",softmax )


def train_mlp (
train_x ,
train_y ,
valid_x ,
valid_y ,
hidden_size =64 ,
batch_size =32 ,
learning_rate =1e-2 ,
epochs =30 ,
seed =0 ,
):
    np .random .seed (seed )
    tmp_params ={}
    initialize_weights (train_x .shape [1 ],hidden_size ,tmp_params ,"layer1")
    initialize_weights (hidden_size ,train_y .shape [1 ],tmp_params ,"output")
    tmp_history ={tmp_key :[]for tmp_key in _KEYS }
    for tmp__ in range (epochs ):
        tmp_sums =np .zeros (2 )
        for tmp_xb ,tmp_yb in get_random_batches (train_x ,train_y ,batch_size ):
            tmp_probs =_predict (tmp_params ,tmp_xb )
            tmp_loss ,tmp_acc =compute_loss_and_acc (tmp_yb ,tmp_probs )
            tmp_sums +=(tmp_loss ,tmp_acc *len (tmp_xb ))
            tmp_grad =backwards (tmp_probs -tmp_yb ,tmp_params ,"output",linear_deriv )
            backwards (tmp_grad ,tmp_params ,"layer1",sigmoid_deriv )
            sgd_step (tmp_params ,["layer1","output"],learning_rate )
        tmp_v_loss ,tmp_v_acc =compute_loss_and_acc (valid_y ,_predict (tmp_params ,valid_x ))
        for tmp_key ,tmp_value in zip (_KEYS ,(tmp_sums [0 ],tmp_sums [1 ]/len (train_x ),tmp_v_loss ,tmp_v_acc )):
            tmp_history [tmp_key ].append (float (tmp_value ))
    return tmp_params ,tmp_history 
